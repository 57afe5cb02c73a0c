"""The REST API: datasets, scenario validate and run (results stored), strategies, replicate,
news read, runs (list, get, compare, delete).

Security and limits: no CORS headers (cross-origin browsers are refused by default); when a
token is configured, every write or run endpoint needs ``Authorization: Bearer <token>`` (401
otherwise); request bodies above ``max_body`` bytes get 413, scenarios above
``max_scenario`` bytes 413, more than ``max_jobs`` concurrent runs 429 (with ``max_queue``,
up to that many scenario runs wait up to ``queue_timeout`` seconds for a slot first; the 429
comes when the queue is full or the wait times out). Every user-fixable
problem (:class:`~tradewar.errors.TradewarError`) is a 422 ``{"field", "message"}``.
"""

from __future__ import annotations

import hmac
import json
import os
import threading
import time
from contextlib import asynccontextmanager
from datetime import date as Date
from pathlib import Path
from typing import Any

import anyio
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from tradewar.errors import TradewarError
from tradewar.outcome import json_number
from tradewar.service.dates import article_date
from tradewar.service.jobs import TERMINAL, JobManager, JobNotFound
from tradewar.service.openapi_bodies import document_bodies
from tradewar.store import RunStore, StoreUnavailable, open_store
from tradewar.store.base import RunNotFound, save_outcome

from tradewar.service.limits import MAX_BODY, MAX_DRAWS, MAX_JOBS, MAX_PENDING, MAX_SCENARIO, QUEUE_TIMEOUT


class _TooLarge(Exception):
    pass


class _BodyError(TradewarError):
    """The request body itself is unusable (not UTF-8, not JSON, nested too deeply)."""

    field = "body"


def _error(status: int, field: str | None, message: str, headers: dict | None = None) -> JSONResponse:
    """Every error response: ``{"field", "message"}``."""
    return JSONResponse(status_code=status, content={"field": field, "message": message}, headers=headers)


def _field_of(exc: TradewarError) -> str | None:
    return getattr(exc, "field", None)


def create_app(store_path: str | os.PathLike | None = "runs.duckdb", data: str | os.PathLike | None = None,
               token: str | None = None, *, max_body: int = MAX_BODY, max_scenario: int = MAX_SCENARIO,
               max_jobs: int = MAX_JOBS, max_pending: int = MAX_PENDING, max_queue: int = 0,
               queue_timeout: float = QUEUE_TIMEOUT) -> FastAPI:
    """The API over a results store (a DuckDB file, ``":memory:"``) and a data directory."""
    from tradewar import __version__

    store = store_path if isinstance(store_path, RunStore) else open_store(store_path)  # a URL, or a store
    slots = threading.BoundedSemaphore(max_jobs)        # runs solving at once: direct runs and jobs
    jobs = JobManager(workers=max_jobs, max_pending=max_pending, slots=slots)

    @asynccontextmanager
    async def lifespan(app):
        yield
        jobs.shutdown()
        store.close()

    app = FastAPI(title="tradewar", version=__version__, lifespan=lifespan,
                  description="Trade wars and trade talks in general equilibrium.")
    app.state.store = store
    app.state.jobs = slots
    app.state.data = data
    app.state.job_manager = jobs

    # ------------------------------------------------------------------ errors and limits
    @app.exception_handler(TradewarError)
    async def _tradewar_error(request: Request, exc: TradewarError):
        if isinstance(exc, (RunNotFound, JobNotFound)):
            return _error(404, "id", str(exc))
        return _error(422, _field_of(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = ".".join(str(p) for p in first.get("loc", ()))
        return _error(422, field or None, first.get("msg", "invalid request"))

    @app.exception_handler(StoreUnavailable)
    async def _store_unavailable(request: Request, exc: StoreUnavailable):
        return _error(503, None, str(exc), headers={"Retry-After": "5"})

    @app.exception_handler(_TooLarge)
    async def _too_large(request: Request, exc: _TooLarge):
        return _error(413, "body", str(exc))

    @app.middleware("http")
    async def _limit_body(request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None:
            try:
                n = int(length)
            except ValueError:
                return _error(400, "content-length", f"not a number: {length!r}")
            if n > max_body:
                return _error(413, "body", f"request body of {n:,} bytes exceeds the limit of {max_body:,} bytes")
        return await call_next(request)

    async def body_text(request: Request) -> str:
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_body:
                raise _TooLarge(f"request body exceeds the limit of {max_body:,} bytes")
            chunks.append(chunk)
        try:
            return b"".join(chunks).decode("utf-8")
        except UnicodeDecodeError:
            raise _BodyError("body: not UTF-8 text") from None

    app.state.body_text = body_text

    def require_token(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise HTTPException(status_code=401, detail="this endpoint needs 'Authorization: Bearer <token>'",
                                headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException):
        return _error(exc.status_code, None, exc.detail, headers=exc.headers)

    async def scenario_from(request: Request):
        from tradewar.scenario import Scenario

        text = await body_text(request)
        size = len(text.encode("utf-8"))
        if size > max_scenario:
            raise _TooLarge(f"scenario of {size:,} bytes exceeds the limit of {max_scenario:,} bytes")
        try:
            if "json" in request.headers.get("content-type", ""):
                try:
                    payload = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise _BodyError(f"body: not valid JSON ({exc})") from None
                if not isinstance(payload, dict):
                    raise _BodyError("body: a JSON scenario must be an object")
                return Scenario.from_dict(payload, source="<request>"), text
            return Scenario.from_text(text, source="<request>"), text
        except RecursionError:
            raise _BodyError("body: nested too deeply to be a scenario") from None

    waiting = app.state.queue = anyio.CapacityLimiter(max(1, max_queue))  # runs waiting for a slot, on threads

    @asynccontextmanager
    async def _run_slot(queue: bool = True):
        """A run slot now, or (``queue``) after waiting in a queue of at most ``max_queue`` runs; 429 otherwise."""
        got = app.state.jobs.acquire(blocking=False)
        queue = queue and max_queue > 0
        if not got and queue and waiting.borrowed_tokens < max_queue:
            got = await anyio.to_thread.run_sync(app.state.jobs.acquire, True, queue_timeout, limiter=waiting)
        if not got:
            limit = f"limit {max_jobs}, {max_queue} queued" if queue else f"limit {max_jobs}"
            raise HTTPException(status_code=429, headers={"Retry-After": "1"},
                                detail=f"too many concurrent runs ({limit}); retry later")
        try:
            yield
        finally:
            app.state.jobs.release()

    def solve_and_store(scenario, text: str, job=None, progress=None) -> tuple:
        """Solve ``scenario`` and store it, unless ``job`` was cancelled meanwhile: (run id, seconds, outcome)."""
        from tradewar.run import run

        start = time.perf_counter()
        outcome = run(scenario, data, progress=progress)
        if job is not None:
            job.check_cancelled()
        seconds = time.perf_counter() - start
        return save_outcome(store, scenario, outcome, seconds, scenario_toml=text), seconds, outcome

    # ------------------------------------------------------------------ datasets, strategies
    @app.get("/datasets")
    def datasets() -> list[dict]:
        from tradewar.data.registry import REGISTRY, data_dir

        root = data_dir(data)
        out = []
        for info in [*REGISTRY, *REGISTRY.local_datasets(root)]:
            missing = info.missing_files(root)
            out.append({"name": info.name, "title": info.title, "available": not missing,
                        "missing": missing, "kind": getattr(info, "kind", "world")})
        return out

    @app.get("/strategies")
    def strategies() -> dict:
        from typing import get_args

        from tradewar.scenario import Strategy

        def choices(name):
            return [a for a in get_args(Strategy.model_fields[name].annotation) if a is not None]

        return {"kinds": choices("kind"), "restrictions": choices("restriction"),
                "objectives": choices("objective"), "doc": (Strategy.__doc__ or "").strip()}

    # ------------------------------------------------------------------ scenarios
    @app.post("/scenarios/validate")
    async def validate(request: Request) -> dict:
        scenario, _ = await scenario_from(request)

        def check():
            from tradewar.policy import resolve
            from tradewar.run import model_for

            model = model_for(scenario, data)
            policy = resolve(scenario, model.world, model)
            steps = []
            if scenario.strategy:
                from tradewar.strategy.apply import check_strategies

                steps = list(check_strategies(scenario, model, model.world))
            return {"valid": True, "name": scenario.name, "dataset": scenario.dataset, "model": scenario.model.name,
                    "tariffs": len(scenario.tariffs), "retaliation": len(scenario.retaliation),
                    "actors": list(policy.actors), "strategies": steps}

        return await run_in_threadpool(check)

    @app.post("/scenarios/run", dependencies=[Depends(require_token)])
    async def run_scenario(request: Request) -> dict:
        scenario, text = await scenario_from(request)

        def work():
            run_id, seconds, outcome = solve_and_store(scenario, text)
            return {"id": run_id, "seconds": seconds, "outcome": outcome.to_dict()}

        async with _run_slot():
            return await run_in_threadpool(work)

    # ------------------------------------------------------------------ replicate, news
    @app.post("/replicate/{paper}/{table}", dependencies=[Depends(require_token)])
    async def replicate(paper: str, table: int) -> dict:
        from tradewar.replicate import replicate as compute, table_spec

        await run_in_threadpool(table_spec, paper, table)   # an unknown paper or table: a 422 naming it, before a slot
        async with _run_slot(queue=False):                 # long: a 429 at once rather than a wait
            cells, info = await run_in_threadpool(compute, paper, table, data)
        return {"paper": paper, "table": table, "info": _plain(info),
                "cells": [{"scenario": c.scenario, "row": c.row, "column": c.column, "value": json_number(c.value),
                           "published": json_number(c.published), "matches": c.matches} for c in cells]}

    @app.post("/news/read")
    async def news_read(request: Request, on: Date | None = Depends(article_date)) -> dict:
        from tradewar.news.reader import read

        text = await body_text(request)
        report = await run_in_threadpool(lambda: read(text=text, on=on, data=data, source="<request>"))
        return _plain(report.as_dict())

    # ------------------------------------------------------------------ jobs
    @app.post("/jobs", status_code=202, dependencies=[Depends(require_token)])
    async def submit_job(request: Request,
                         draws: int | None = Query(default=None, ge=1, le=MAX_DRAWS, description=(
                             "Monte Carlo over the scenario's [uncertainty]: this many draws")),
                         seed: int = Query(default=0, ge=0, le=2**32 - 1, description="Monte Carlo seed")) -> dict:
        """Run a scenario as a job (with ``draws``: a Monte Carlo over its ``[uncertainty]``, whose
        medians and 5–95% bands are stored as the run): progress at /jobs/{id}/events, cancel with
        DELETE /jobs/{id}."""
        scenario, text = await scenario_from(request)
        if draws is not None:
            from tradewar.montecarlo import check_request

            check_request(scenario, draws)        # no [uncertainty] table: a 422 naming it

        def work(job, progress):
            if draws is None:
                return solve_and_store(scenario, text, job, progress)[0]
            from tradewar.montecarlo import run_mc
            from tradewar.service.monte_carlo import save_monte_carlo

            start = time.perf_counter()
            result = run_mc(scenario, draws, seed, data=data, batch_size=max(1, min(50, draws // 20)),
                            progress=lambda done, total: progress("draws", _Done(done, total)))
            return save_monte_carlo(store, scenario, result, time.perf_counter() - start, scenario_toml=text)

        job = jobs.submit(scenario.name, work)
        if job is None:
            raise HTTPException(status_code=429, detail=f"too many jobs queued or running (limit {max_pending}); "
                                                        "retry later", headers={"Retry-After": "5"})
        return {**job.as_dict(), "events_url": f"/jobs/{job.id}/events"}

    @app.get("/jobs")
    def list_jobs() -> list[dict]:
        return [j.as_dict() for j in jobs.list()]

    @app.get("/jobs/{job_id}")
    def get_job(job_id: str) -> dict:
        job = jobs.get(job_id)
        return {**job.as_dict(), "events": job.events_from(0)}

    @app.get("/jobs/{job_id}/events")
    async def job_events(job_id: str):
        """Server-sent events: one ``data: {json}`` per event, until the job ends."""
        import asyncio

        from fastapi.responses import StreamingResponse

        job = jobs.get(job_id)

        async def stream():
            seen = 0
            while True:
                terminal = job.state in TERMINAL
                for event in job.events_from(seen):
                    seen += 1
                    yield f"data: {json.dumps(_plain(event))}\n\n"
                if terminal:
                    return
                await asyncio.sleep(0.05)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    @app.delete("/jobs/{job_id}", dependencies=[Depends(require_token)])
    def cancel_job(job_id: str) -> dict:
        return jobs.cancel(job_id).as_dict()

    # ------------------------------------------------------------------ runs
    @app.get("/runs")
    def runs(limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)) -> list[dict]:
        return [r.as_dict() for r in store.list(limit, offset)]

    @app.get("/runs/compare")
    def compare(a: str = Query(...), b: str = Query(...)) -> dict:
        return store.compare(a, b)

    @app.get("/runs/{run_id}")
    def get_run(run_id: str) -> dict:
        return store.get(run_id).as_dict()

    @app.delete("/runs/{run_id}", dependencies=[Depends(require_token)])
    def delete_run(run_id: str) -> dict:
        store.delete(run_id)
        return {"deleted": run_id}

    # ------------------------------------------------------------------ web app (pages, static files)
    from tradewar.service.web import mount

    mount(app, data, token_required=token is not None)
    document_bodies(app)
    return app


class _Done:
    """Monte Carlo progress as a job event: draws done of the total."""

    def __init__(self, done: int, total: int):
        self.done, self.total = done, total


def _plain(v: Any):
    """JSON-safe copy (non-finite floats → None, numpy scalars → Python)."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, Path):
        return str(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return json_number(v)
