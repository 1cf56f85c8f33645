"""The SQLite schema as numbered migrations; `PRAGMA user_version` records the last applied."""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: everything airfield keeps.
    """
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        email TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        task_id TEXT NOT NULL,
        task_slug TEXT NOT NULL,
        env_id TEXT NOT NULL,
        status TEXT NOT NULL,
        param_values TEXT NOT NULL,
        params TEXT NOT NULL,
        resources TEXT NOT NULL DEFAULT '{}',
        parent_id TEXT,
        session_id TEXT,
        timeout INTEGER NOT NULL,
        concurrency_key TEXT NOT NULL DEFAULT '',
        concurrency_limit INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        queued_at TEXT,
        active_at TEXT,
        succeeded_at TEXT,
        failed_at TEXT,
        cancelled_at TEXT,
        cancelled_by TEXT,
        updated_at TEXT NOT NULL,
        output TEXT,
        token_hash TEXT UNIQUE,
        pgid INTEGER
    );
    CREATE INDEX runs_by_task ON runs (task_slug, created_at);
    CREATE INDEX runs_by_status ON runs (status);
    CREATE INDEX runs_by_parent ON runs (parent_id);
    CREATE INDEX runs_by_session ON runs (session_id);
    CREATE INDEX runs_by_update ON runs (updated_at);
    CREATE TABLE run_logs (
        run_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        timestamp TEXT NOT NULL,
        level TEXT NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE prompts (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL DEFAULT '',
        session_id TEXT NOT NULL DEFAULT '',
        schema TEXT NOT NULL,
        submitted_values TEXT NOT NULL DEFAULT '{}',
        reviewers TEXT NOT NULL,
        confirm_text TEXT NOT NULL DEFAULT '',
        cancel_text TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        submitted_at TEXT,
        submitted_by TEXT,
        cancelled_at TEXT,
        cancelled_by TEXT
    );
    CREATE INDEX prompts_by_run ON prompts (run_id, created_at);
    CREATE INDEX prompts_by_session ON prompts (session_id, created_at);
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        runbook_id TEXT NOT NULL,
        runbook_slug TEXT NOT NULL,
        name TEXT NOT NULL,
        env_id TEXT NOT NULL,
        status TEXT NOT NULL,
        param_values TEXT NOT NULL,
        params TEXT NOT NULL,
        steps TEXT NOT NULL,
        error TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
    );
    CREATE INDEX sessions_by_update ON sessions (updated_at);
    CREATE TABLE resources (
        id TEXT PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        is_private INTEGER NOT NULL,
        permissions TEXT NOT NULL,
        config TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE idempotency (
        caller TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (caller, key)
    );
    CREATE TABLE displays (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        display TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX displays_by_run ON displays (run_id, created_at);
    """,
    # 2: indexes for the list endpoints as followers use them: every filter of runs/list and
    # sessions/list with the list order (created_at DESC, id DESC) behind it, so a page is read
    # straight off an index however many runs there are.
    """
    DROP INDEX runs_by_task;
    DROP INDEX runs_by_parent;
    DROP INDEX runs_by_session;
    CREATE INDEX runs_by_created ON runs (created_at, id);
    CREATE INDEX runs_by_task_slug ON runs (task_slug, created_at, id);
    CREATE INDEX runs_by_task_id ON runs (task_id, created_at, id);
    CREATE INDEX runs_by_task_slug_update ON runs (task_slug, updated_at);
    CREATE INDEX runs_by_task_id_update ON runs (task_id, updated_at);
    CREATE INDEX runs_by_session ON runs (session_id, created_at, id);
    CREATE INDEX runs_by_parent ON runs (parent_id, created_at, id);
    CREATE INDEX sessions_by_created ON sessions (created_at, id);
    CREATE INDEX sessions_by_runbook ON sessions (runbook_id, created_at, id);
    CREATE INDEX sessions_by_runbook_update ON sessions (runbook_id, updated_at);
    DROP INDEX prompts_by_run;
    DROP INDEX prompts_by_session;
    CREATE INDEX prompts_by_run ON prompts (run_id, created_at, id);
    CREATE INDEX prompts_by_session ON prompts (session_id, created_at, id);
    """,
    # 3: sleeps that runs announce with airplane.sleep.
    """
    CREATE TABLE sleeps (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        until TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX sleeps_by_run ON sleeps (run_id, created_at, id);
    """,
    # 4: people named by X-Airplane-Acting-For live in their own namespace (never a key's user),
    # and resource configurations are stored encrypted (secret_box.py) instead of as JSON.
    """
    ALTER TABLE users ADD COLUMN acting_for INTEGER NOT NULL DEFAULT 0;
    """,
    # 5: times are stored with four-digit years; a sleep's `until` before year 1000 was stored
    # as `999-...` (unpadded), which sorts after every later year as text.
    """
    UPDATE sleeps SET until = '0' || until WHERE instr(until, '-') = 4;
    UPDATE sleeps SET until = '00' || until WHERE instr(until, '-') = 3;
    UPDATE sleeps SET until = '000' || until WHERE instr(until, '-') = 2;
    """,
    # 6: an acting-for label belongs to the user of the key that first bound it; only keys of
    # that user may act for it or change its email. Labels bound before this have no owner ('')
    # and are claimed by the first key that uses them.
    """
    ALTER TABLE users ADD COLUMN acting_owner TEXT NOT NULL DEFAULT '';
    """,
    # 7: a revoked API key is kept (who made what stays readable) but no longer authenticates.
    """
    ALTER TABLE api_keys ADD COLUMN revoked_at TEXT;
    """,
)

# PostgreSQL's schema: SQLite's at version 7 as one step (no PostgreSQL airfield existed before
# it), plus what several processes sharing one database need. Text columns compare bytewise
# (COLLATE "C", as SQLite does), so IDs and stamps sort the same on both. The table
# `airfield_schema` records the last step applied.
POSTGRES_MIGRATIONS: tuple[str, ...] = (
    # 1: everything airfield keeps, plus claims and leases (store/claims.py), the write-stamp
    # clock (store/postgres.py) and rate-limit buckets (store/buckets.py).
    """
    CREATE TABLE api_keys (
        id TEXT COLLATE "C" PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        key_hash TEXT COLLATE "C" NOT NULL UNIQUE,
        user_id TEXT COLLATE "C" NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        revoked_at TEXT COLLATE "C"
    );
    CREATE TABLE users (
        id TEXT COLLATE "C" PRIMARY KEY,
        name TEXT NOT NULL,
        email TEXT NOT NULL DEFAULT '',
        created_at TEXT COLLATE "C" NOT NULL,
        acting_for BIGINT NOT NULL DEFAULT 0,
        acting_owner TEXT COLLATE "C" NOT NULL DEFAULT ''
    );
    CREATE TABLE runs (
        id TEXT COLLATE "C" PRIMARY KEY,
        task_id TEXT COLLATE "C" NOT NULL,
        task_slug TEXT COLLATE "C" NOT NULL,
        env_id TEXT COLLATE "C" NOT NULL,
        status TEXT COLLATE "C" NOT NULL,
        param_values TEXT NOT NULL,
        params TEXT NOT NULL,
        resources TEXT NOT NULL DEFAULT '{}',
        parent_id TEXT COLLATE "C",
        session_id TEXT COLLATE "C",
        timeout BIGINT NOT NULL,
        concurrency_key TEXT COLLATE "C" NOT NULL DEFAULT '',
        concurrency_limit BIGINT NOT NULL DEFAULT 1,
        created_at TEXT COLLATE "C" NOT NULL,
        created_by TEXT NOT NULL,
        queued_at TEXT COLLATE "C",
        active_at TEXT COLLATE "C",
        succeeded_at TEXT COLLATE "C",
        failed_at TEXT COLLATE "C",
        cancelled_at TEXT COLLATE "C",
        cancelled_by TEXT,
        updated_at TEXT COLLATE "C" NOT NULL,
        output TEXT,
        token_hash TEXT COLLATE "C" UNIQUE,
        pgid BIGINT,
        worker_id TEXT COLLATE "C",
        lease_until DOUBLE PRECISION
    );
    CREATE INDEX runs_by_status ON runs (status);
    CREATE INDEX runs_by_update ON runs (updated_at);
    CREATE INDEX runs_by_created ON runs (created_at, id);
    CREATE INDEX runs_by_task_slug ON runs (task_slug, created_at, id);
    CREATE INDEX runs_by_task_id ON runs (task_id, created_at, id);
    CREATE INDEX runs_by_task_slug_update ON runs (task_slug, updated_at);
    CREATE INDEX runs_by_task_id_update ON runs (task_id, updated_at);
    CREATE INDEX runs_by_session ON runs (session_id, created_at, id);
    CREATE INDEX runs_by_parent ON runs (parent_id, created_at, id);
    CREATE INDEX runs_unclaimed ON runs (created_at, id)
        WHERE status = 'Queued' AND worker_id IS NULL;
    CREATE INDEX runs_by_worker ON runs (worker_id) WHERE worker_id IS NOT NULL;
    CREATE TABLE run_logs (
        run_id TEXT COLLATE "C" NOT NULL,
        seq BIGINT NOT NULL,
        timestamp TEXT NOT NULL,
        level TEXT NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
    );
    CREATE TABLE prompts (
        id TEXT COLLATE "C" PRIMARY KEY,
        run_id TEXT COLLATE "C" NOT NULL DEFAULT '',
        session_id TEXT COLLATE "C" NOT NULL DEFAULT '',
        schema TEXT NOT NULL,
        submitted_values TEXT NOT NULL DEFAULT '{}',
        reviewers TEXT NOT NULL,
        confirm_text TEXT NOT NULL DEFAULT '',
        cancel_text TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT COLLATE "C" NOT NULL,
        submitted_at TEXT COLLATE "C",
        submitted_by TEXT,
        cancelled_at TEXT COLLATE "C",
        cancelled_by TEXT
    );
    CREATE INDEX prompts_by_run ON prompts (run_id, created_at, id);
    CREATE INDEX prompts_by_session ON prompts (session_id, created_at, id);
    CREATE TABLE sessions (
        id TEXT COLLATE "C" PRIMARY KEY,
        runbook_id TEXT COLLATE "C" NOT NULL,
        runbook_slug TEXT COLLATE "C" NOT NULL,
        name TEXT NOT NULL,
        env_id TEXT COLLATE "C" NOT NULL,
        status TEXT COLLATE "C" NOT NULL,
        param_values TEXT NOT NULL,
        params TEXT NOT NULL,
        steps TEXT NOT NULL,
        error TEXT NOT NULL DEFAULT '',
        created_at TEXT COLLATE "C" NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT COLLATE "C" NOT NULL,
        updated_by TEXT NOT NULL,
        driver_id TEXT COLLATE "C",
        lease_until DOUBLE PRECISION
    );
    CREATE INDEX sessions_by_update ON sessions (updated_at);
    CREATE INDEX sessions_by_created ON sessions (created_at, id);
    CREATE INDEX sessions_by_runbook ON sessions (runbook_id, created_at, id);
    CREATE INDEX sessions_by_runbook_update ON sessions (runbook_id, updated_at);
    CREATE TABLE resources (
        id TEXT COLLATE "C" PRIMARY KEY,
        slug TEXT COLLATE "C" NOT NULL UNIQUE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        is_private BIGINT NOT NULL,
        permissions TEXT NOT NULL,
        config TEXT NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        updated_at TEXT COLLATE "C" NOT NULL
    );
    CREATE TABLE idempotency (
        caller TEXT COLLATE "C" NOT NULL,
        key TEXT COLLATE "C" NOT NULL,
        fingerprint TEXT NOT NULL,
        status BIGINT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (caller, key)
    );
    CREATE TABLE displays (
        id TEXT COLLATE "C" PRIMARY KEY,
        run_id TEXT COLLATE "C" NOT NULL,
        display TEXT NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL
    );
    CREATE INDEX displays_by_run ON displays (run_id, created_at, id);
    CREATE TABLE sleeps (
        id TEXT COLLATE "C" PRIMARY KEY,
        run_id TEXT COLLATE "C" NOT NULL,
        duration_ms BIGINT NOT NULL,
        until TEXT COLLATE "C" NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL
    );
    CREATE INDEX sleeps_by_run ON sleeps (run_id, created_at, id);
    CREATE TABLE airfield_clock (
        only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
        last_micros BIGINT NOT NULL
    );
    INSERT INTO airfield_clock (last_micros) VALUES (0);
    CREATE TABLE rate_buckets (
        scope TEXT COLLATE "C" PRIMARY KEY,
        tokens DOUBLE PRECISION NOT NULL,
        updated DOUBLE PRECISION NOT NULL
    );
    """,
)
