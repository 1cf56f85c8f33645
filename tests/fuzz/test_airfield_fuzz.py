"""The fuzz stage against a real airfield: every /v0 endpoint gets generated hostile bodies,
query strings and headers (tests/fuzz/hostile.py, a fixed seed), and every answer must be a
well-formed JSON 4xx (or a 2xx where the input is valid), never a 5xx, within 1 s; /healthz
answers within 1 s all along, and nothing is logged as an error."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.support.airfield import AirfieldProcess

from .airfield_fuzz import TIME_LIMIT, build_cases, prepare, send_all, start_server

pytestmark = pytest.mark.fuzz
SEED = 22
PER_CLASS = 4


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirfieldProcess]:
    with start_server(tmp_path_factory.mktemp("fuzz-airfield")) as af:
        yield af


async def test_every_endpoint_answers_hostile_input_with_a_clear_4xx(
    server: AirfieldProcess,
) -> None:
    world = await prepare(server)
    cases = build_cases(world, seed=SEED, per_class=PER_CLASS)
    results, probe = await send_all(server, world, cases)
    failures = [f"{r.case.describe()}: {r.problem}" for r in results if r.problem]
    assert not failures, f"{len(failures)} of {len(results)} failed:\n" + "\n".join(failures[:40])
    kinds = Counter(r.case.kind for r in results)
    assert set(kinds) == {"valid", "body", "mutation", "query", "headers"}, kinds
    assert probe.failures == []
    assert max(probe.seconds) < TIME_LIMIT, max(probe.seconds)
    async with httpx.AsyncClient(base_url=server.url, headers=server.headers) as api:
        assert (await api.get("/v0/tasks/list")).status_code == 200
        await api.post("/v0/runs/cancel", json={"runID": world.holder_id})
    log = server.log_text()
    assert "Traceback" not in log, log[-4000:]
    assert " ERROR " not in log, log[-4000:]
