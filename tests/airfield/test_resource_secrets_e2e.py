"""Resource secrets never leave airfield: not to any role, not in clear text on disk.

Each secret below once leaked through name-based redaction (issue 15): an object under a
secret-named key, a list, credentials in a URL, and names a list of secret words misses.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from airfield.secret_box import SecretBox, SecretKeyError
from airfield.secret_box import new_key as new_fernet_key
from airfield.store import ResourceRecord, Store
from tests.support.airfield import EXAMPLES, TEST_SECRET_KEY, AirfieldProcess

from .conftest import TEST_TASKS, client_for
from .helpers import execute, output_of, wait_run

SECRETS = {
    "header": "hdr-0b5e55ed-secret",
    "token-object": "tok-0b5e55ed-secret",
    "list": "lst-0b5e55ed-secret",
    "url-password": "urlpw-0b5e55ed",
    "pwd": "pwd-0b5e55ed-secret",
    "key": "key-0b5e55ed-secret",
    "password": "pw-0b5e55ed-secret",
    "private": "prv-0b5e55ed-secret",
    "webhook-path": "whk0b5e55edsecret",
    "dsn": "dsn-0b5e55ed-secret",
    "url-password-slash": "p/w-0b5e55ed",
}
RESOURCES: list[dict[str, Any]] = [
    {
        "kind": "rest",
        "name": "Partner API",
        "slug": "partner_api",
        "resource": {
            "baseURL": f"https://svc:{SECRETS['url-password']}@api.example.com/v1?x=1",
            "headers": {"X-Other": SECRETS["header"]},
            "secretHeaders": {"X-Other": SECRETS["header"]},
            "token": {"value": SECRETS["token-object"]},
        },
    },
    {
        "kind": "postgres",
        "name": "Orders",
        "slug": "orders_db",
        "resource": {
            "host": "db.internal",
            "port": "5432",
            "username": "app",
            "password": [SECRETS["list"], SECRETS["password"]],
            "pwd": SECRETS["pwd"],
        },
    },
    {
        "kind": "rest",
        "name": "Webhook",
        "slug": "webhook",
        "resource": {"baseURL": f"https://hooks.example.com/services/T1/{SECRETS['webhook-path']}"},
    },
    {
        "kind": "postgres",
        "name": "Shapes",
        "slug": "shapes_db",
        "resource": {
            "host": f"host=db password={SECRETS['dsn']}",
            "username": f"app:{SECRETS['password']}",
            "database": f"https://u:{SECRETS['url-password-slash']}@db.example.com/x",
        },
    },
    {
        "kind": "mailgun",
        "name": "Mail",
        "slug": "mail",
        "resource": {"key": SECRETS["key"], "domain": "mg.example.com"},
    },
]
PRIVATE = {
    "kind": "openai",
    "name": "Private AI",
    "slug": "private_ai",
    "isPrivate": True,
    "permissions": [{"action": "resources.get", "roleID": "developer"}],
    "resource": {"apiKey": SECRETS["private"]},
}


def _secret_in(text: str) -> list[str]:
    return [name for name, value in SECRETS.items() if value in text]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirfieldProcess]:
    """An airfield of its own: this module stops it to read its database file."""
    with AirfieldProcess(
        tmp_path_factory.mktemp("secrets"), tasks_dirs=[EXAMPLES, TEST_TASKS]
    ) as process:
        yield process


@pytest.fixture(scope="module")
def created(server: AirfieldProcess) -> dict[str, str]:
    """The resources, by slug -> ID."""
    ids: dict[str, str] = {}
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as api:
        for body in [*RESOURCES, PRIVATE]:
            response = api.post("/v0/resources/create", json=body)
            assert response.status_code == 200, response.text
            assert not _secret_in(response.text)
            ids[body["slug"]] = response.json()["id"]
    return ids


async def _reads(api: httpx.AsyncClient, ids: dict[str, str]) -> list[httpx.Response]:
    reads = [await api.get("/v0/resources/list")]
    for slug, resource_id in ids.items():
        reads.append(await api.get("/v0/resources/get", params={"id": resource_id}))
        reads.append(await api.get("/v0/resources/get", params={"slug": slug}))
    return reads


@pytest.mark.parametrize("role", ["team_admin", "developer", "restricted_developer"])
async def test_no_role_reads_a_secret(
    server: AirfieldProcess, created: dict[str, str], role: str
) -> None:
    """Every key role reads every resource (list, get by ID and slug) and sees no secret; the
    shown fields are still there, URLs without credentials or query."""
    key = await asyncio.to_thread(server.create_key, f"reader-{role}", role)
    async with client_for(server, **{"X-Airplane-API-Key": key}) as api:
        reads = await _reads(api, created)
    for response in reads:
        assert response.status_code in (200, 404), response.text
        assert _secret_in(response.text) == [], f"{role} read {response.request.url}"
    listed = {r["slug"]: r for r in reads[0].json()["resources"]}
    assert listed["partner_api"]["resource"]["baseURL"] == "REDACTED"  # it has user info
    assert listed["partner_api"]["resource"]["token"] == "REDACTED"
    assert listed["orders_db"]["resource"]["host"] == "db.internal"
    assert listed["mail"]["resource"]["domain"] == "mg.example.com"
    # The private resource's permission names the developer role only.
    assert ("private_ai" in listed) == (role in ("team_admin", "developer"))


async def test_a_run_token_reads_no_secret(
    server: AirfieldProcess, created: dict[str, str]
) -> None:
    """A run's token reads every resource and sees no secret, and not the private one."""
    calls = [["GET", "/v0/resources/list", {}]]
    calls += [["GET", "/v0/resources/get", {"id": rid}] for rid in created.values()]
    async with client_for(server) as api:
        run_id = await execute(api, "probe", calls=json.dumps(calls))
        assert (await wait_run(api, run_id))["status"] == "Succeeded"
        answers = await output_of(api, run_id)
    assert _secret_in(json.dumps(answers)) == []
    slugs = {r["slug"] for r in answers[0]["body"]["resources"]}
    assert slugs == {r["slug"] for r in RESOURCES}
    assert answers[-1]["status"] == 404  # private_ai, created last


async def test_update_keeps_write_only_fields(
    server: AirfieldProcess, created: dict[str, str]
) -> None:
    """Read, change a shown field, write back: the write-only values survive (REDACTED kept)."""
    async with client_for(server) as api:
        read = (await api.get("/v0/resources/get", params={"slug": "mail"})).json()["resource"]
        body = {
            "id": read["id"],
            "kind": "mailgun",
            "name": "Mail",
            "resource": {**read["resource"], "domain": "mg2.example.com"},
        }
        assert (await api.post("/v0/resources/update", json=body)).status_code == 200
        after = (await api.get("/v0/resources/get", params={"slug": "mail"})).json()["resource"]
    assert after["resource"] == {"key": "REDACTED", "domain": "mg2.example.com"}


async def test_update_obeys_read_visibility(server: AirfieldProcess) -> None:
    """A developer key that gets 404 on a private resource gets the same 404 on updating it:
    it cannot make it public or repoint its host while keeping the stored password."""
    hidden = {
        "kind": "postgres",
        "name": "Admins only",
        "isPrivate": True,
        "permissions": [{"action": "resources.get", "subUserID": "usr_nobody"}],
        "resource": {"host": "db.internal", "password": "adm-0nly-pw"},
    }
    key = await asyncio.to_thread(server.create_key, "dev-updater", "developer")
    async with (
        client_for(server) as admin,
        client_for(server, **{"X-Airplane-API-Key": key}) as dev,
    ):
        resource_id = (await admin.post("/v0/resources/create", json=hidden)).json()["id"]
        read = await dev.get("/v0/resources/get", params={"id": resource_id})
        assert read.status_code == 404
        takeover = {
            **hidden,
            "id": resource_id,
            "isPrivate": False,
            "resource": {"host": "attacker.example", "password": "REDACTED"},
        }
        update = await dev.post("/v0/resources/update", json=takeover)
        assert update.status_code == 404, update.text
        assert update.json() == read.json()
        after = (await admin.get("/v0/resources/get", params={"id": resource_id})).json()
    assert after["resource"]["isPrivate"] is True
    assert after["resource"]["resource"]["host"] == "db.internal"


def _run_cli(
    server: AirfieldProcess, *args: str, key: str | None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFIELD_")}
    if key is not None:
        env["AIRFIELD_SECRET_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "airfield", *args]
        + ([] if "new-key" in args else ["--db", server.db]),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _database_bytes(db_path: Path) -> bytes:
    return b"".join(
        path.read_bytes() for path in db_path.parent.glob(db_path.name + "*") if path.is_file()
    )


async def test_database_holds_no_secret_and_the_key_is_required(
    server: AirfieldProcess, created: dict[str, str]
) -> None:
    """The database files (with WAL) hold no secret in clear text. Without the key, or with a
    wrong one, airfield refuses to start, saying why; after `secrets rotate` only the new key
    opens them. (Runs last in this module: it stops and restarts the server.)"""
    async with client_for(server) as api:
        count = len((await api.get("/v0/resources/list")).json()["resources"])
    assert count >= len(created)
    await server.stop()
    raw = _database_bytes(server.db_path)
    assert raw, "no database file"
    for name, value in SECRETS.items():
        assert value.encode() not in raw, f"{name} is in the database in clear text"

    missing = _run_cli(server, "serve", "--port", "0", key=None)
    assert missing.returncode == 2
    assert "AIRFIELD_SECRET_KEY is not set" in missing.stderr
    new_key = _run_cli(server, "secrets", "new-key", key=None).stdout.strip()
    wrong = _run_cli(server, "serve", "--port", "0", key=new_key)
    assert wrong.returncode == 2
    assert "does not decrypt" in wrong.stderr

    rotated = _run_cli(server, "secrets", "rotate", key=f"{new_key},{TEST_SECRET_KEY}")
    assert rotated.returncode == 0, rotated.stderr
    assert f"Re-encrypted {count} resources" in rotated.stdout
    old_only = _run_cli(server, "serve", "--port", "0", key=TEST_SECRET_KEY)
    assert old_only.returncode == 2
    server.extra_env["AIRFIELD_SECRET_KEY"] = new_key
    await server.start()
    async with client_for(server) as api:
        listed = await api.get("/v0/resources/list")
    assert len(listed.json()["resources"]) == count
    assert _secret_in(listed.text) == []


def _pieces(sealed: set[str]) -> list[bytes]:
    """64-byte pieces of each ciphertext: a long one is split over pages, so it is looked for
    piece by piece (a random 64-byte base64 piece is found only where it was written)."""
    return [c.encode()[i : i + 64] for c in sealed for i in range(0, len(c) - 63, 64)]


_COUNT_PIECES = (
    "import sys, pathlib; p = pathlib.Path(sys.argv[1]); pieces = sys.stdin.read().split();"
    " raw = b''.join(f.read_bytes() for f in p.parent.glob(p.name + '*') if f.is_file());"
    " print(sum(x.encode() in raw for x in pieces))"
)


async def test_rotation_leaves_no_old_ciphertext_in_the_files(tmp_path: Path) -> None:
    """`airfield secrets rotate` beside a running airfield (an open connection) leaves no copy
    sealed under the old key in the database file or its WAL: not the rows it rewrote, and not
    an older version of a resource updated before; large configurations (a certificate, on
    overflow pages) included."""
    old_key, new_key = new_fernet_key(), new_fernet_key()
    path = tmp_path / "rotate.db"
    running = await Store.open(path, SecretBox([old_key]))
    try:
        # As in SQLite builds without SECURE_DELETE: freed pages keep what they held.
        await running.db.fetch_all("PRAGMA secure_delete = OFF")
        for number in range(3):
            now = f"2024-01-0{number + 1}T00:00:00.000000Z"
            config = {"host": "db", "password": f"pw-{number}", "sslCert": "C" * 6000 * number}
            await running.accounts.add_resource(
                ResourceRecord(
                    f"res{number}", f"db{number}", "DB", "postgres", False, [], config, now, now
                )
            )
        first = await running.db.fetch_all("SELECT config FROM resources")
        # What a running airfield does every 1,000 pages: these copies are in the main file.
        await running.db.fetch_all("PRAGMA wal_checkpoint(TRUNCATE)")
        record = await running.accounts.resource("db2")
        assert record is not None
        await running.accounts.replace_resource(
            dataclasses.replace(record, config={"host": "db", "password": "pw-new"})
        )
        rows = await running.db.fetch_all("SELECT config FROM resources")
        sealed = {row["config"] for row in first + rows}
        pieces = _pieces(sealed)
        # Counted by another process: reading the files here would drop this process's SQLite
        # locks (POSIX), and the rotation would then find the database unused and tidy it.
        count = [sys.executable, "-c", _COUNT_PIECES, str(path)]
        before = await asyncio.to_thread(
            subprocess.run,
            count,
            input=" ".join(p.decode() for p in pieces),
            capture_output=True,
            text=True,
            check=True,
        )
        # (A piece across a page boundary is split by the page's header: most are whole.)
        assert int(before.stdout) > len(pieces) * 0.9, "the test should see the ciphertexts"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFIELD_")}
        env["AIRFIELD_SECRET_KEY"] = f"{new_key},{old_key}"
        rotated = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "airfield", "secrets", "rotate", "--db", str(path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert rotated.returncode == 0, rotated.stderr
        after = _database_bytes(path)
        assert [p for p in pieces if p in after] == []
        old_box = SecretBox([old_key])
        for token in re.findall(rb"gAAAAA[A-Za-z0-9_=-]{40,}", after):
            with pytest.raises(SecretKeyError):
                old_box.open(token.decode())
    finally:
        await running.close()
    reopened = await Store.open(path, SecretBox([new_key]))
    try:
        configs = {r.slug: r.config["password"] for r in await reopened.accounts.resources()}
    finally:
        await reopened.close()
    assert configs == {"db0": "pw-0", "db1": "pw-1", "db2": "pw-new"}
