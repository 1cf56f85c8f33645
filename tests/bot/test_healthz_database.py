"""`GET /healthz` reports the database: 503 while it does not answer, 200 once it does again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import psycopg
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.store import Store
from bot.web.public import build_asgi_app
from tests.support.eventually import eventually
from tests.support.postgres import PostgresServer


def _client(store: Store) -> httpx.AsyncClient:
    app = AsyncApp(signing_secret="secret", client=AsyncWebClient(token="xoxb-test"))
    asgi = build_asgi_app(app, database_ping=store.db.ping)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://bot")


async def test_healthz_is_ok_on_sqlite(tmp_path: Path) -> None:
    """The embedded database answers: healthy."""
    store = await Store.open(tmp_path / "bot.db")
    try:
        async with _client(store) as client:
            answer = await client.get("/healthz")
    finally:
        await store.close()
    assert (answer.status_code, answer.json()) == (200, {"ok": True})


def _set_reachable(server: PostgresServer, database: str, reachable: bool) -> None:
    """Refuse (or allow) new connections to `database` and end the open ones."""
    with psycopg.connect(server.url(), autocommit=True) as admin:
        allow = "true" if reachable else "false"
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {allow}')
        if not reachable:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (database,),
            )


async def test_healthz_follows_postgresql(postgres_server: PostgresServer) -> None:
    """An unreachable PostgreSQL makes the replica unhealthy until it is back."""
    url = postgres_server.create_database()
    database = url.rsplit("/", 1)[1]
    store = await Store.open(url)
    try:
        async with _client(store) as client:
            assert (await client.get("/healthz")).status_code == 200
            await asyncio.to_thread(_set_reachable, postgres_server, database, False)
            answer = await client.get("/healthz")
            assert (answer.status_code, answer.json()) == (
                503,
                {"ok": False, "error": "database unreachable"},
            )
            await asyncio.to_thread(_set_reachable, postgres_server, database, True)

            async def healthy() -> bool:  # once the pool replaces its dropped connections
                return (await client.get("/healthz")).status_code == 200

            await eventually(healthy, within=10, every=0.2)
    finally:
        await store.close()
