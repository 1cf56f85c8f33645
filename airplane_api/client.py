"""`AirplaneClient`: one async method per Airplane v0 endpoint, returning wire models."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypedDict, TypeVar

import httpx
from typing_extensions import Unpack

from ._core import Caller, CallObserver, Clock, ModelT, Request, Secret, Sleep, SystemClock
from ._paging import iterate_pages
from ._version import __version__
from .models import (
    AuthInfoResponse,
    CancelPromptRequest,
    CancelRunRequest,
    CancelRunResponse,
    CreateResourceRequest,
    Env,
    ExecuteRunbookRequest,
    ExecuteRunbookResponse,
    ExecuteTaskRequest,
    ExecuteTaskResponse,
    GetLogsQuery,
    GetLogsResponse,
    GetOutputsQuery,
    GetOutputsResponse,
    GetPromptQuery,
    GetPromptResponse,
    GetRunbookQuery,
    GetRunQuery,
    GetSessionQuery,
    GetTaskQuery,
    GetUserQuery,
    GetUserResponse,
    ListEnvsResponse,
    ListPromptsQuery,
    ListPromptsResponse,
    ListRunbooksResponse,
    ListRunsQuery,
    ListRunsResponse,
    ListSessionsQuery,
    ListSessionsResponse,
    ListTasksResponse,
    Prompt,
    PromptIdResponse,
    ResourceIdResponse,
    Run,
    Runbook,
    Session,
    SubmitPromptRequest,
    Task,
    UpdateResourceRequest,
    User,
    WireModel,
)
from .retry import RetryPolicy

__all__ = ["DEFAULT_HOST", "AirplaneClient", "RunFilters", "SessionFilters"]

DEFAULT_HOST = "https://api.airplane.dev"

ENV_SLUG_HEADER = "X-Airplane-Env-Slug"
ENV_ID_HEADER = "X-Airplane-Env-ID"
TEAM_ID_HEADER = "X-Team-ID"
ACTING_FOR_HEADER = "X-Airplane-Acting-For"
ACTING_FOR_EMAIL_HEADER = "X-Airplane-Acting-For-Email"


class Paging(TypedDict, total=False):
    """Which page of a list to read (`list_*`) or start from (`iter_*`), and its size: page 0
    and 50 items (the most a server gives) unless given."""

    limit: int
    page: int


_PAGE_DEFAULTS: Paging = {"limit": 50, "page": 0}
QueryT = TypeVar("QueryT", bound=WireModel)


class RunFilters(Paging, total=False):
    """What `list_runs` and `iter_runs` take: runs of one task (by ID or slug), updated after
    `since` and before `until`."""

    task_id: str | None
    task_slug: str | None
    since: datetime | None
    until: datetime | None


class SessionFilters(Paging, total=False):
    """What `list_sessions` and `iter_sessions` take: sessions of one runbook, updated after
    `updated_after` and before `updated_before`."""

    runbook_id: str | None
    updated_after: datetime | None
    updated_before: datetime | None


def _list_query(model: type[QueryT], filters: Paging, accepted: frozenset[str]) -> QueryT:
    """A list's query from a method's keyword arguments, page 0 and 50 items unless given; a
    keyword the method does not take is a TypeError, as a spelled-out signature would raise."""
    unknown = filters.keys() - accepted
    if unknown:
        raise TypeError(f"unexpected keyword arguments: {', '.join(sorted(unknown))}")
    return model.model_validate(_PAGE_DEFAULTS | filters)


async def _act(
    caller: Caller,
    path: str,
    body: dict[str, Any],
    answer: type[ModelT],
    idempotency_key: str | None,
    acting: dict[str, str | None],
) -> ModelT:
    """POST `body` to `path` with the per-call headers `acting` (`_acting`), under
    `idempotency_key` (one of the caller's own, or a fresh one), and parse the answer."""
    request = Request("POST", path, body=body, headers=acting)
    return await caller.call(request, answer, idempotency_key=idempotency_key)


def _present(**fields: Any) -> dict[str, Any]:
    """The fields that have a value: a body leaves the others out rather than sending null."""
    return {name: value for name, value in fields.items() if value is not None}


def _acting(
    acting_for: str | None, acting_for_email: str | None, env_slug: str | None = None
) -> dict[str, str | None]:
    """Per-call headers: who the call acts for, and an environment chosen for this call only."""
    headers: dict[str, str | None] = {}
    if acting_for:
        headers[ACTING_FOR_HEADER] = acting_for
    if acting_for_email:
        headers[ACTING_FOR_EMAIL_HEADER] = acting_for_email
    if env_slug:
        headers[ENV_SLUG_HEADER] = env_slug
        headers[ENV_ID_HEADER] = None  # a per-call slug replaces the client's env ID
    return headers


class AirplaneClient:
    """An async client of the Airplane REST API v0 (or any server of it, such as airfield).

    Use it as `async with AirplaneClient(key) as client:`. It closes the httpx client it created
    and leaves an injected `http_client` open. Pass `transport=` to replace the network (tests),
    `observer=` to watch every attempt and retry (metrics).
    """

    def __init__(
        self,
        api_key: str,
        *,
        host: str = DEFAULT_HOST,
        env_slug: str | None = None,
        env_id: str | None = None,
        team_id: str | None = None,
        timeout: float | httpx.Timeout = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock | None = None,
        user_agent: str = f"airplane-bot/{__version__}",
        observer: CallObserver | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("an API key is required")
        if env_slug and env_id:
            raise ValueError("give env_slug or env_id, not both")
        if not host.startswith(("http://", "https://")):
            raise ValueError("host must be an http:// or https:// URL")
        if http_client is not None and transport is not None:
            raise ValueError("give transport or http_client, not both")
        self._host = host.rstrip("/").removesuffix("/v0")
        self._env_slug = env_slug
        self._env_id = env_id
        self._team_id = team_id
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(transport=transport)
        headers = {"User-Agent": user_agent, "Accept": "application/json"}
        if env_slug:
            headers[ENV_SLUG_HEADER] = env_slug
        if env_id:
            headers[ENV_ID_HEADER] = env_id
        if team_id:
            headers[TEAM_ID_HEADER] = team_id
        self._caller = Caller(
            http=self._http,
            base_url=f"{self._host}/v0",
            api_key=Secret(api_key),
            headers=headers,
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            retry=retry or RetryPolicy(),
            sleep=sleep,
            clock=clock or SystemClock(),
            observer=observer,
        )

    def __repr__(self) -> str:
        env = f"env_slug={self._env_slug!r}" if self._env_slug else f"env_id={self._env_id!r}"
        return f"AirplaneClient(host={self._host!r}, {env}, team_id={self._team_id!r})"

    @property
    def host(self) -> str:
        """The API host, without `/v0`."""
        return self._host

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the httpx client if this client created it."""
        if self._owns_http:
            await self._http.aclose()

    # Tasks and runs

    async def execute_task(
        self,
        slug: str | None = None,
        *,
        task_id: str | None = None,
        param_values: Mapping[str, Any] | None = None,
        resources: Mapping[str, str] | None = None,
        env_slug: str | None = None,
        idempotency_key: str | None = None,
        acting_for: str | None = None,
        acting_for_email: str | None = None,
    ) -> str:
        """Start a run of a task (by slug or ID); returns the run ID."""
        if not (slug or task_id):
            raise ValueError("execute_task needs a slug or a task_id")
        body = ExecuteTaskRequest.model_validate(
            _present(
                slug=slug,
                id=task_id,
                param_values=dict(param_values or {}),
                resources=dict(resources) if resources is not None else None,
            )
        ).to_wire()
        acting = _acting(acting_for, acting_for_email, env_slug)
        answer = await _act(
            self._caller, "tasks/execute", body, ExecuteTaskResponse, idempotency_key, acting
        )
        return answer.run_id

    async def get_run(self, run_id: str) -> Run:
        """A run, whether the server answers it flat or wrapped in `{"run": ...}`."""
        return await self._caller.call(
            Request("GET", "runs/get", query=GetRunQuery(id=run_id)), Run
        )

    async def get_run_logs(
        self, run_id: str, *, prev_token: str | None = None, next_token: str | None = None
    ) -> GetLogsResponse:
        """A page of a run's logs; pass back `prev_token`/`next_token` to page."""
        query = GetLogsQuery(run_id=run_id, prev_token=prev_token, next_token=next_token)
        return await self._caller.call(Request("GET", "runs/getLogs", query=query), GetLogsResponse)

    async def get_run_outputs(self, run_id: str) -> Any:
        """A run's output value (any JSON), from `output` or the older `outputs`."""
        request = Request("GET", "runs/getOutputs", query=GetOutputsQuery(id=run_id))
        return (await self._caller.call(request, GetOutputsResponse)).output

    async def list_runs(self, **filters: Unpack[RunFilters]) -> list[Run]:
        """One page of runs, newest first, optionally of one task and updated in a time window."""
        query = _list_query(ListRunsQuery, filters, RunFilters.__optional_keys__)
        request = Request("GET", "runs/list", query=query)
        return (await self._caller.call(request, ListRunsResponse)).runs

    def iter_runs(self, **filters: Unpack[RunFilters]) -> AsyncIterator[Run]:
        """Every run matching the filters, fetching page after page (from `page`) until a
        short one."""
        return iterate_pages(
            lambda number: self.list_runs(**(filters | {"page": number})),
            limit=filters.get("limit", _PAGE_DEFAULTS["limit"]),
            first_page=filters.get("page", _PAGE_DEFAULTS["page"]),
            key=lambda r: r.id,
        )

    async def cancel_run(
        self,
        run_id: str,
        *,
        idempotency_key: str | None = None,
        acting_for: str | None = None,
        acting_for_email: str | None = None,
    ) -> None:
        """Ask for a run to be cancelled."""
        body = CancelRunRequest(run_id=run_id).to_wire()
        acting = _acting(acting_for, acting_for_email)
        await _act(self._caller, "runs/cancel", body, CancelRunResponse, idempotency_key, acting)

    # Prompts

    async def get_prompt(self, prompt_id: str) -> Prompt:
        """A prompt."""
        request = Request("GET", "prompts/get", query=GetPromptQuery(id=prompt_id))
        return (await self._caller.call(request, GetPromptResponse)).prompt

    async def list_prompts(self, run_id: str) -> list[Prompt]:
        """Every prompt of a run."""
        request = Request("GET", "prompts/list", query=ListPromptsQuery(run_id=run_id))
        return (await self._caller.call(request, ListPromptsResponse)).prompts

    async def submit_prompt(
        self,
        prompt_id: str,
        values: Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
        acting_for: str | None = None,
        acting_for_email: str | None = None,
    ) -> str:
        """Answer a prompt with values for its parameters; returns the prompt ID."""
        body = SubmitPromptRequest(id=prompt_id, values=dict(values)).to_wire()
        acting = _acting(acting_for, acting_for_email)
        answer = await _act(
            self._caller, "prompts/submit", body, PromptIdResponse, idempotency_key, acting
        )
        return answer.id

    async def cancel_prompt(
        self,
        prompt_id: str,
        *,
        idempotency_key: str | None = None,
        acting_for: str | None = None,
        acting_for_email: str | None = None,
    ) -> str:
        """Reject a prompt; returns the prompt ID."""
        body = CancelPromptRequest(id=prompt_id).to_wire()
        acting = _acting(acting_for, acting_for_email)
        answer = await _act(
            self._caller, "prompts/cancel", body, PromptIdResponse, idempotency_key, acting
        )
        return answer.id

    # Resources

    async def create_resource(
        self, request: CreateResourceRequest, *, idempotency_key: str | None = None
    ) -> str:
        """Create a resource; returns its ID."""
        call = Request("POST", "resources/create", body=request.to_wire())
        answer = await self._caller.call(call, ResourceIdResponse, idempotency_key=idempotency_key)
        return answer.id

    async def update_resource(
        self, request: UpdateResourceRequest, *, idempotency_key: str | None = None
    ) -> str:
        """Replace a resource (PUT semantics over POST); returns its ID."""
        call = Request("POST", "resources/update", body=request.to_wire())
        answer = await self._caller.call(call, ResourceIdResponse, idempotency_key=idempotency_key)
        return answer.id

    # Runbooks and sessions

    async def execute_runbook(
        self,
        slug: str | None = None,
        *,
        runbook_id: str | None = None,
        param_values: Mapping[str, Any] | None = None,
        env_slug: str | None = None,
        idempotency_key: str | None = None,
        acting_for: str | None = None,
        acting_for_email: str | None = None,
    ) -> str:
        """Start a runbook (by slug or ID); returns the session ID."""
        if not (slug or runbook_id):
            raise ValueError("execute_runbook needs a slug or a runbook_id")
        body = ExecuteRunbookRequest.model_validate(
            _present(slug=slug, id=runbook_id, param_values=dict(param_values or {}))
        ).to_wire()
        acting = _acting(acting_for, acting_for_email, env_slug)
        answer = await _act(
            self._caller, "runbooks/execute", body, ExecuteRunbookResponse, idempotency_key, acting
        )
        return answer.session_id

    async def get_session(self, session_id: str) -> Session:
        """A runbook session."""
        return await self._caller.call(
            Request("GET", "sessions/get", query=GetSessionQuery(id=session_id)), Session
        )

    async def list_sessions(self, **filters: Unpack[SessionFilters]) -> list[Session]:
        """One page of sessions, optionally of one runbook and updated in a time window."""
        query = _list_query(ListSessionsQuery, filters, SessionFilters.__optional_keys__)
        request = Request("GET", "sessions/list", query=query)
        return (await self._caller.call(request, ListSessionsResponse)).sessions

    def iter_sessions(self, **filters: Unpack[SessionFilters]) -> AsyncIterator[Session]:
        """Every session matching the filters, fetching page after page (from `page`) until a
        short one."""
        return iterate_pages(
            lambda number: self.list_sessions(**(filters | {"page": number})),
            limit=filters.get("limit", _PAGE_DEFAULTS["limit"]),
            first_page=filters.get("page", _PAGE_DEFAULTS["page"]),
            key=lambda s: s.id,
        )

    # What Airplane's own clients call, and airfield serves

    async def get_task(self, slug: str | None = None, *, task_id: str | None = None) -> Task:
        """A task's metadata and parameters, by slug or ID."""
        if not (slug or task_id):
            raise ValueError("get_task needs a slug or a task_id")
        query = GetTaskQuery(slug=slug) if slug else GetTaskQuery(id=task_id)
        return await self._caller.call(Request("GET", "tasks/get", query=query), Task)

    async def list_tasks(self) -> list[Task]:
        """Every task the key can see."""
        return (await self._caller.call(Request("GET", "tasks/list"), ListTasksResponse)).tasks

    async def get_runbook(self, slug: str) -> Runbook:
        """A runbook's metadata and parameters, by slug (`runbookSlug`, as Airplane's CLI sends
        it). Not in the documented v0 contract: a server without it answers 404 (NotFoundError),
        as it does for a slug it does not know."""
        request = Request("GET", "runbooks/get", query=GetRunbookQuery(runbook_slug=slug))
        return await self._caller.call(request, Runbook)

    async def list_runbooks(self) -> list[Runbook]:
        """Every runbook the key can see (not in the documented v0 contract; 404 without it)."""
        request = Request("GET", "runbooks/list")
        return (await self._caller.call(request, ListRunbooksResponse)).runbooks

    async def list_envs(self) -> list[Env]:
        """Every environment of the team (Airplane's CLI calls `envs/list`; it is not in the
        documented v0 contract, so a server without it answers 404: NotFoundError)."""
        return (await self._caller.call(Request("GET", "envs/list"), ListEnvsResponse)).envs

    async def get_user(self, user_id: str) -> User:
        """A user by ID."""
        request = Request("GET", "users/get", query=GetUserQuery(user_id=user_id))
        return (await self._caller.call(request, GetUserResponse)).user

    async def auth_info(self) -> AuthInfoResponse:
        """Who the API key belongs to: its user (if any) and team."""
        return await self._caller.call(Request("GET", "auth/info"), AuthInfoResponse)
