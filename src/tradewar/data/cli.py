"""``tradewar data build SPEC.toml`` and ``tradewar data fetch NAME``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

data_app = typer.Typer(add_completion=False, no_args_is_help=True,
                       help="Build your own baseline from public data (BACI …); fetch public sources.")


@data_app.command("build")
def build_cmd(
    spec: Path = typer.Argument(..., help="A build spec (TOML): source files, countries, sectors, GDP, tariffs."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Dataset folder to write (default: <data dir>/<name>)."),
    data: Optional[Path] = typer.Option(None, "--data", help="Data directory (default: $TRADEWAR_DATA or ../shared/data)."),
    storage: Optional[str] = typer.Option(None, "--format",
                                          help="Tables as 'parquet' or 'duckdb' (default: the spec's \\[output] format, "
                                               "else parquet)."),
):
    """Build a World from public data files and write it as a dataset folder scenarios can name."""
    import time

    from tradewar.cli import out
    from tradewar.data.build import build

    start = time.perf_counter()
    world, folder, report = build(spec, out_dir, data, storage=storage)
    for line in report:
        out.print(f"- {line}", highlight=False)
    out.print(f"wrote {folder} ({world.n_countries} countries × {len(world.sectors)} sectors) in "
              f"{time.perf_counter() - start:.1f} s; name it as dataset = \"{folder.name}\" with --data {folder.parent}",
              highlight=False, soft_wrap=True)


@data_app.command("fetch")
def fetch_cmd(
    name: str = typer.Argument(..., help="A public source: " + ", ".join(sorted(__import__(
        "tradewar.data.fetch", fromlist=["SOURCES"]).SOURCES))),
    dest: Optional[Path] = typer.Option(None, "--dest", help="Folder to download into (default: <data dir>/raw/NAME)."),
    data: Optional[Path] = typer.Option(None, "--data", help="Data directory."),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds to wait for the server."),
):
    """Download a public source, verify its checksum; without network, say where to get it."""
    from tradewar.cli import out
    from tradewar.data.fetch import fetch

    path = fetch(name, dest, data, timeout=timeout, echo=lambda s: out.print(s, highlight=False, soft_wrap=True))
    out.print(f"downloaded {path}", highlight=False)
