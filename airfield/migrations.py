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
