"""Benchmark: build a baseline from a synthetic full-size OECD ICIO table, streamed.

Writes ``ICIO2023_2019.csv`` in the publisher's layout: 76 countries (China and Mexico split into
CN1/CN2 and MX1/MX2, and ROW) × 45 industries = 3,420 rows plus TLS, VA and OUT; 3,420 industry
columns, 6 final-demand columns per country and OUT (3,877 columns), in a child process. Then
times ``tradewar data build`` on it (every country, 45 industries, GDP = value added) and prints
the file size, the wall time and the peak memory (resident set size of this process, from
getrusage) against the file size and against the table held whole as float64.

    python benchmarks/bench_build_icio.py [--countries 38,76] [--industries 45] [--keep DIR]

Each size is generated and built in its own child process; a half-size table (38 countries)
is run first so that the growth of memory with the file size shows.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _memory import peak_rss_mb  # benchmarks/_memory.py

FINAL = ("HFCE", "NPISH", "GGFC", "GFCF", "INVNT", "DPABR")


def country_codes(n: int) -> list[str]:
    """``n`` ICIO country codes: CN1/CN2, MX1/MX2, ROW and current ISO3 codes (not CHN, MEX)."""
    from tradewar.data.concordance import converter

    iso3 = [c for c in converter().data["ISO3"].dropna().astype(str) if c not in ("CHN", "MEX")]
    return ["CN1", "CN2", "MX1", "MX2"] + iso3[: n - 5] + ["ROW"]


def write_icio(path: Path, n_countries: int, n_industries: int, seed: int = 0, chunk: int = 100) -> tuple[int, int]:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(seed)
    codes = country_codes(n_countries)
    industries = [f"I{k:02d}" for k in range(n_industries)]
    users = [f"{c}_{i}" for c in codes for i in industries]
    final = [f"{c}_{f}" for c in codes for f in FINAL]
    columns = users + final
    rows = users + ["TLS", "VA", "OUT"]
    schema = pa.schema([pa.field("V1", pa.string())] + [pa.field(c, pa.float64()) for c in columns + ["OUT"]])
    with open(path, "wb") as fh, pcsv.CSVWriter(fh, schema) as writer:
        for start in range(0, len(rows), chunk):
            labels = rows[start:start + chunk]
            block = np.round(rng.lognormal(0.0, 2.0, (len(labels), len(columns))), 3)
            block[rng.random(block.shape) < 0.3] = 0.0  # sparse, as the real table
            out = block.sum(axis=1)
            arrays = [pa.array(labels)] + [pa.array(block[:, k]) for k in range(len(columns))] + [pa.array(out)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
    return len(rows), len(columns) + 2


def build_once(folder: Path) -> None:
    """Build the table in ``folder`` (run in a child process: its peak memory is the build's)."""
    import pyarrow.csv  # noqa: F401  (imports before the baseline memory figure)

    from tradewar.data.build import build
    from tradewar.data.icio import aggregate_icio  # noqa: F401

    path = folder / "ICIO2023_2019.csv"
    (folder / "spec.toml").write_text(f'name = "bench_icio"\n[source]\nformat = "icio"\nfiles = ["{path.name}"]\n')
    before = peak_rss_mb()
    t0 = time.perf_counter()
    world, _, report = build(folder / "spec.toml", folder / "out")
    seconds = time.perf_counter() - t0
    peak = peak_rss_mb()
    for line in report:
        print(f"  - {line}")
    size_mb = path.stat().st_size / 1e6
    print(f"RESULT {size_mb:.1f} {seconds:.2f} {before:.0f} {peak:.0f} {world.n_countries} {len(world.sectors)}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--countries", default="38,76", help="table sizes to run, comma-separated")
    parser.add_argument("--industries", type=int, default=45)
    parser.add_argument("--keep", type=Path, default=None, help="write the inputs under this folder and keep them")
    parser.add_argument("--generate-only", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_icio_"))
    if args.generate_only:
        write_icio(root / "ICIO2023_2019.csv", args.generate_only, args.industries)
        return 0
    if args.build_only:
        build_once(root)
        return 0
    rows = []
    try:
        for n in [int(x) for x in args.countries.split(",")]:
            folder = root / f"c{n}"
            folder.mkdir(parents=True, exist_ok=True)
            if not (folder / "ICIO2023_2019.csv").is_file():
                t0 = time.perf_counter()
                subprocess.run([sys.executable, __file__, "--generate-only", str(n), "--industries",
                                str(args.industries), "--keep", str(folder)], check=True)
                print(f"wrote {n} countries × {args.industries} industries in {time.perf_counter() - t0:.1f} s")
            out = subprocess.run([sys.executable, __file__, "--build-only", "--keep", str(folder)], check=True,
                                 capture_output=True, text=True).stdout
            print("\n".join(line for line in out.splitlines() if not line.startswith("RESULT")))
            size, seconds, before, peak, *_ = next(line.split()[1:] for line in out.splitlines()
                                                          if line.startswith("RESULT"))
            n_rows, n_cols = n * args.industries + 3, n * (args.industries + len(FINAL)) + 1
            rows.append((n, n_rows, n_cols, float(size), n_rows * n_cols * 8 / 1e6, float(seconds), float(before),
                         float(peak)))
        print(f"{'countries':>9} {'rows × columns':>15} {'CSV MB':>7} {'float64 MB':>10} {'build s':>7} "
              f"{'peak RSS MB':>11} {'added MB':>8} {'added/CSV':>9}")
        for n, n_rows, n_cols, size, dense, seconds, before, peak in rows:
            print(f"{n:>9} {f'{n_rows:,} × {n_cols:,}':>15} {size:>7.0f} {dense:>10.0f} {seconds:>7.1f} "
                  f"{peak:>11.0f} {peak - before:>8.0f} {(peak - before) / size:>9.2f}")
        if len(rows) > 1:
            (_, _, _, s0, *_, b0, p0), (_, _, _, s1, *_, b1, p1) = rows[0], rows[-1]
            print(f"file {s1 / s0:.1f}× larger → memory added by the build {(p1 - b1) / max(p0 - b0, 1):.1f}× "
                  f"(streamed in blocks of rows: bounded by the block size and the number of columns)")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
