"""The aiohttp server: Web API routes, response_url, file uploads, and the Socket Mode endpoint."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from . import web_chat, web_history, web_views, web_workspace  # noqa: F401  (they register their methods)
from .limits import Clock, RateLimiter
from .state import APP_TOKEN, BOT_TOKEN, JSON, ApiCall, UploadedFile, Workspace
from .web_common import APP_TOKEN_METHODS, METHODS, ApiContext, ApiError

logger = logging.getLogger(__name__)

DEFAULT_SCOPES = [
    "chat:write",
    "chat:write.public",
    "commands",
    "files:write",
    "im:write",
    "users:read",
    "users:read.email",
    "channels:read",
    "groups:read",
]


class EmulatorServer:
    """Owns the aiohttp app and answers Web API calls against a `Workspace`."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        trigger_ttl: float,
        scopes: list[str],
        enforce_limits: bool = True,
        limits_clock: Clock | None = None,
    ) -> None:
        self.workspace = workspace
        self.bot_tokens = {BOT_TOKEN}
        self.app_tokens = {APP_TOKEN}
        self.limiter = RateLimiter(enforce_tiers=enforce_limits, clock=limits_clock)
        self.context = ApiContext(workspace, base_url="", trigger_ttl=trigger_ttl, scopes=scopes)
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app.router.add_route("*", "/api/{method}", self._api)
        self.app.router.add_post("/upload/{file_id}", self._upload)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self, *, port: int = 0) -> None:
        """Listen on 127.0.0.1 only (it is nobody's real Slack) on `port` (0: any free one)."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/"
        self.context.base_url = self.base_url

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- Web API ------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await read_params(request)
        token = bearer_token(request) or params.pop("token", None)
        params.pop("token", None)
        status, body, headers = await self._answer(method, params, token)
        call = ApiCall(method, params, token, status, body)
        self.workspace.record_call(call)
        if body.get("error") in ("invalid_blocks", "invalid_arguments"):
            self.workspace.rejected.append(call)
        await self.workspace.touch()
        headers["x-oauth-scopes"] = ",".join(self.context.scopes)
        return web.json_response(body, status=status, headers=headers)

    async def _answer(
        self, method: str, params: JSON, token: str | None
    ) -> tuple[int, JSON, dict[str, str]]:
        handler = METHODS.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, {}
        wanted = self.app_tokens if method in APP_TOKEN_METHODS else self.bot_tokens
        if token not in wanted:
            known = token in self.app_tokens or token in self.bot_tokens
            return (
                200,
                {"ok": False, "error": "not_allowed_token_type" if known else "invalid_auth"},
                {},
            )
        retry_after = self.limiter.check(method, params)
        if retry_after is not None:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        try:
            return 200, await handler(self.context, params), {}
        except ApiError as exc:
            return 200, exc.body(), {}
        except Exception as exc:  # an emulator bug or a shape it never expected: say so loudly
            logger.exception("emulator failed on %s", method)
            return 500, {"ok": False, "error": "emulator_error", "detail": repr(exc)}, {}

    # -- file uploads -------------------------------------------------------------------------

    async def _upload(self, request: web.Request) -> web.Response:
        file = self.workspace.files.get(request.match_info["file_id"])
        if file is None:
            return web.Response(status=404, text="file_not_found")
        content = await read_upload(request)
        self.workspace.files[file.id] = UploadedFile(**{**file.__dict__, "content": content})
        await self.workspace.touch()
        return web.Response(text=f"OK - {len(content)}", content_type="text/plain")


def bearer_token(request: web.Request) -> str | None:
    """The token of an `Authorization: Bearer ...` header."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def read_params(request: web.Request) -> JSON:
    """Query string, form body and JSON body merged, as slack_sdk may use any of them."""
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
        else:
            raw = await request.text()
            if raw.strip().startswith("{"):
                params.update(json.loads(raw))
    return {k: v for k, v in params.items() if v is not None}


async def read_upload(request: web.Request) -> bytes:
    """The file bytes of an upload: a raw body or the first file part of a multipart form."""
    if request.content_type == "multipart/form-data":
        form = await request.post()
        for value in form.values():
            if isinstance(value, web.FileField):
                return value.file.read()
            if isinstance(value, str):
                return value.encode()
        return b""
    return await request.read()
