"""Resources (secrets never echoed), users/get and auth/info over real HTTP."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

import httpx

from tests.support.airfield import AirfieldProcess

from .conftest import client_for

SECRETS = ("hunter2-db-password", "Bearer sk-live-123", "xoxb-secret-token")


def _assert_no_secret(response: httpx.Response) -> None:
    for secret in SECRETS:
        assert secret not in response.text, f"{response.request.url.path} echoed a secret"


async def test_resources_never_echo_secrets(api: httpx.AsyncClient) -> None:
    """create, get (by ID and slug), list and update answer without any secret value."""
    slug = f"db_{uuid.uuid4().hex[:8]}"
    body = {
        "kind": "postgres",
        "name": "Orders DB",
        "slug": slug,
        "resource": {
            "host": "db.internal",
            "port": 5432,
            "username": "app",
            "password": SECRETS[0],
        },
    }
    created = await api.post("/v0/resources/create", json=body)
    assert created.status_code == 200, created.text
    resource_id = created.json()["id"]
    by_id = await api.get("/v0/resources/get", params={"id": resource_id})
    by_slug = await api.get("/v0/resources/get", params={"slug": slug})
    assert by_id.json() == by_slug.json()
    stored = by_id.json()["resource"]
    assert stored["kind"] == "postgres"
    assert stored["resource"]["password"] == "REDACTED"
    assert stored["resource"]["host"] == "db.internal"

    rest = await api.post(
        "/v0/resources/create",
        json={
            "kind": "rest",
            "name": f"API {slug}",
            "resource": {
                "baseURL": "https://api.example.com",
                "headers": {"Authorization": SECRETS[1]},
                "token": SECRETS[2],
            },
        },
    )
    assert rest.status_code == 200, rest.text
    edited = {**stored["resource"], "host": "db2.internal"}
    updated = await api.post(
        "/v0/resources/update",
        json={"id": resource_id, "kind": "postgres", "name": "Orders", "resource": edited},
    )
    assert updated.status_code == 200, updated.text
    after = (await api.get("/v0/resources/get", params={"id": resource_id})).json()["resource"]
    assert after["resource"]["host"] == "db2.internal"
    assert after["resource"]["password"] == "REDACTED"
    listed = await api.get("/v0/resources/list")
    rest_listed = next(r for r in listed.json()["resources"] if r["id"] == rest.json()["id"])
    assert rest_listed["resource"]["headers"] == "REDACTED"
    for response in (created, by_id, by_slug, rest, updated, listed):
        _assert_no_secret(response)


async def test_resource_kinds_slugs_and_ids_are_checked(api: httpx.AsyncClient) -> None:
    """An unknown kind is 400 naming it, a taken slug 409, an unknown ID 404, a kind change 400."""
    unknown = await api.post(
        "/v0/resources/create", json={"kind": "ftp", "name": "Files", "resource": {}}
    )
    assert unknown.status_code == 400
    assert "'ftp'" in unknown.json()["error"]
    slug = f"mail_{uuid.uuid4().hex[:8]}"
    body = {"kind": "smtp", "name": "Mail", "slug": slug, "resource": {"host": "smtp"}}
    first = await api.post("/v0/resources/create", json=body)
    again = await api.post("/v0/resources/create", json=body)
    assert first.status_code == 200
    assert again.status_code == 409
    assert slug in again.json()["error"]
    missing = await api.get("/v0/resources/get", params={"id": "res20200101zmissing00"})
    assert missing.status_code == 404
    kind_change = await api.post(
        "/v0/resources/update",
        json={"id": first.json()["id"], "kind": "rest", "name": "Mail", "resource": {}},
    )
    assert kind_change.status_code == 400


async def test_developer_may_create_resources(airfield: AirfieldProcess) -> None:
    """The developer role may manage resources (only restricted developers may not)."""
    key = await asyncio.to_thread(airfield.create_key, "dev", "developer")
    async with client_for(airfield, **{"X-Airplane-API-Key": key}) as api:
        response = await api.post(
            "/v0/resources/create",
            json={"kind": "rest", "name": f"Dev {uuid.uuid4().hex[:6]}", "resource": {}},
        )
    assert response.status_code == 200, response.text


async def test_auth_info_and_users_get(api: httpx.AsyncClient) -> None:
    """auth/info names the key's user, team and role; users/get knows that user, 404 others."""
    info = (await api.get("/v0/auth/info")).json()
    assert info["role"] == "team_admin"
    assert info["team"]["id"].startswith("tea")
    assert info["actingFor"] == ""
    me = (await api.get("/v0/users/get", params={"userID": info["user"]["id"]})).json()["user"]
    assert me["name"] == info["user"]["name"] == "airfield admin"
    acting = await api.get("/v0/auth/info", headers={"X-Airplane-Acting-For": "slack:UINFO"})
    assert acting.json()["actingFor"] == "slack:UINFO"
    user = await api.get("/v0/users/get", params={"userID": "slack:UINFO"})
    assert user.json()["user"]["userID"] == "slack:UINFO"
    missing = await api.get("/v0/users/get", params={"userID": "usr20200101zmissing00"})
    assert missing.status_code == 404
    assert "usr20200101zmissing00" in missing.json()["error"]


def _keys_cli(server: AirfieldProcess, *args: str, stdin: str = "") -> tuple[int, str, str]:
    command = [sys.executable, "-m", "airfield", "keys", *args, "--db", server.db]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFIELD_")}
    done = subprocess.run(
        command, input=stdin, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    return done.returncode, done.stdout, done.stderr


async def test_revoked_keys_are_refused_at_once(airfield: AirfieldProcess) -> None:
    """`airfield keys revoke` by ID, or by the key read from stdin, makes the very next request
    with that key 401 on the running server; other keys and a replacement made with
    `--same-user-as` keep working, the replacement acting for the old key's people."""
    by_id = await asyncio.to_thread(airfield.create_key, "revoke-by-id", "developer")
    by_key = await asyncio.to_thread(airfield.create_key, "revoke-by-key", "developer")
    kept = await asyncio.to_thread(airfield.create_key, "kept", "developer")
    label = f"slack:U{uuid.uuid4().hex[:8].upper()}"
    async with client_for(airfield, **{"X-Airplane-API-Key": by_id}) as api:
        info = await api.get("/v0/auth/info", headers={"X-Airplane-Acting-For": label})
        assert info.status_code == 200
        user_id = info.json()["user"]["id"]
        code, listed, _ = await asyncio.to_thread(_keys_cli, airfield, "list")
        assert code == 0
        [line] = [line for line in listed.splitlines() if line.endswith("revoke-by-id")]
        key_id = line.split()[0]
        assert key_id.startswith("apk")
        assert by_id not in listed
        code, out, _ = await asyncio.to_thread(_keys_cli, airfield, "revoke", key_id)
        assert (code, key_id in out) == (0, True)
        refused = await api.get("/v0/tasks/list")
        assert refused.status_code == 401
        assert refused.json()["code"] == "unauthorized"
        code, _, err = await asyncio.to_thread(_keys_cli, airfield, "revoke", key_id)
        assert (code, "nothing revoked" in err) == (1, True)
        code, listed, _ = await asyncio.to_thread(_keys_cli, airfield, "list")
        assert "REVOKED" in next(line for line in listed.splitlines() if key_id in line)

    async with client_for(airfield, **{"X-Airplane-API-Key": by_key}) as api:
        assert (await api.get("/v0/tasks/list")).status_code == 200
        code, _, _ = await asyncio.to_thread(_keys_cli, airfield, "revoke", "-", stdin=by_key)
        assert code == 0
        assert (await api.get("/v0/tasks/list")).status_code == 401
    async with client_for(airfield, **{"X-Airplane-API-Key": kept}) as api:
        assert (await api.get("/v0/tasks/list")).status_code == 200

    code, out, _ = await asyncio.to_thread(
        _keys_cli,
        airfield,
        "create",
        "replacement",
        "--role",
        "developer",
        "--same-user-as",
        key_id,
    )
    assert code == 0, out
    async with client_for(airfield, **{"X-Airplane-API-Key": out.splitlines()[-1]}) as api:
        again = await api.get("/v0/auth/info", headers={"X-Airplane-Acting-For": label})
        assert again.status_code == 200, again.text
        assert again.json()["user"]["id"] == user_id
