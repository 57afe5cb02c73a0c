"""``tradewar serve``: the REST API on 127.0.0.1 by default; any other address needs a token."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Optional

import typer

from tradewar.errors import TradewarError


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


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (non-loopback needs --token)."),
        port: int = typer.Option(8000, "--port", min=1, max=65535),
        store: Path = typer.Option(Path("runs.duckdb"), "--store", help="DuckDB file of stored runs."),
        token: Optional[str] = typer.Option(None, "--token", envvar="TRADEWAR_TOKEN",
                                            help="Bearer token required on run and write endpoints."),
        data: Optional[Path] = typer.Option(None, "--data", help="Data directory."),
    ):
        """Serve the REST API (OpenAPI schema at /docs and /openapi.json)."""
        check_bind(host, token)
        import uvicorn

        from tradewar.service.app import create_app

        uvicorn.run(create_app(store, data, token=token or None), host=host, port=port,
                    limit_concurrency=64, timeout_keep_alive=5)
