"""``tradewar serve``: the web app and the REST API on 127.0.0.1 by default; any other address needs a token.

Admission: ``--max-jobs`` runs are solved at once; up to ``--max-queue`` more wait (at most
``--queue-timeout`` seconds) for a slot; beyond that the answer is 429 with ``Retry-After``,
which clients should honour with backoff."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated

import typer

from tradewar.errors import TradewarError

from tradewar.service.limits import MAX_JOBS, MAX_QUEUE, QUEUE_TIMEOUT


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve on a non-loopback address without a token."""
    if not is_loopback(host) and not token:
        raise TradewarError(f"--host {host}: not a loopback address; serving it needs --token "
                            "(or $TRADEWAR_TOKEN) so that run and write endpoints are protected")


def share_cores(jobs: int):
    """Give each of ``jobs`` concurrent solves its share of the cores in BLAS (LU factorisations):
    two solves each running one BLAS thread per core fight over the cores (3 to 5 times fewer
    runs per second on two cores). Process-wide; returns the limiter (``restore_original_limits``)."""
    import scipy.linalg  # noqa: F401 - load scipy's BLAS so that its thread pool is limited too
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=max(1, (os.cpu_count() or 1) // max(1, jobs)), user_api="blas")


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option("--host", help="Address to bind (non-loopback needs --token).")]
            = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
        store: Annotated[str, typer.Option("--store", envvar="TRADEWAR_STORE", help=(
            "Stored runs: a DuckDB file, or postgresql://user:pw@host:port/db[?schema=NAME]."))] = "runs.duckdb",
        token: Annotated[str | None, typer.Option("--token", envvar="TRADEWAR_TOKEN",
                                                  help="Bearer token required on run and write endpoints.")] = None,
        data: Annotated[Path | None, typer.Option("--data", help="Data directory.")] = None,
        max_jobs: Annotated[int, typer.Option("--max-jobs", min=1, help="Scenario runs solved at once.")] = MAX_JOBS,
        max_queue: Annotated[int, typer.Option("--max-queue", min=0, help=(
            "Scenario runs waiting for a slot before new ones get 429."))] = MAX_QUEUE,
        queue_timeout: Annotated[float, typer.Option("--queue-timeout", min=0.0, help=(
            "Seconds a queued run waits for a slot before its 429."))] = QUEUE_TIMEOUT,
    ):
        """Serve the web app at / (scenario builder, map and tables, US–China war, articles,
        stored runs) and the REST API (OpenAPI schema at /docs and /openapi.json)."""
        check_bind(host, token)
        import uvicorn

        from tradewar.service.app import create_app

        app = create_app(store, data, token=token or None, max_jobs=max_jobs, max_queue=max_queue,
                         queue_timeout=queue_timeout)
        share_cores(max_jobs)
        # connections beyond the queue get uvicorn's 503, so the queue (not uvicorn) sheds load first
        uvicorn.run(app, host=host, port=port, limit_concurrency=max_queue + max_jobs + 64, timeout_keep_alive=5)
