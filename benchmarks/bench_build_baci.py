"""Benchmark: build a baseline from a synthetic BACI-format file of 10 million rows.

Writes ``BACI_HS22_Y2023_V202501.csv`` (t,i,j,k,v,q; 200 countries, 5,000 HS6 codes) and a
code list into a temporary folder, then times ``tradewar data build`` on it (all 200 countries,
HS6 → 50 sectors through a concordance file) and prints the wall time and peak memory
(resident set size of this process, from getrusage). Target: ≤ 60 s and ≤ 2 GB.

    python benchmarks/bench_build_baci.py [--rows 10000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _memory import peak_rss_mb  # benchmarks/_memory.py


def write_inputs(folder: Path, rows: int, n_countries: int = 200, n_products: int = 5000, seed: int = 0) -> None:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from tradewar.data.concordance import converter

    rng = np.random.default_rng(seed)
    data = converter().data[["ISOnumeric", "ISO3", "ISO2", "name_short"]].dropna(subset=["ISOnumeric"])
    data = data.drop_duplicates("ISOnumeric").head(n_countries)
    codes = data["ISOnumeric"].astype(int).to_numpy()
    with open(folder / "country_codes_V202501.csv", "w", encoding="utf-8") as fh:
        fh.write("country_code,country_name,country_iso2,country_iso3\n")
        for c, iso3, iso2, name in zip(codes, data["ISO3"], data["ISO2"], data["name_short"]):
            fh.write(f'{c},"{name}",{iso2},{iso3}\n')
    products = np.array([f"{k:06d}" for k in rng.choice(np.arange(10100, 970000), n_products, replace=False)])
    with open(folder / "conc.csv", "w") as fh:
        fh.write("hs6,sector\n")
        for k, p in enumerate(products):
            fh.write(f"{p},S{k % 50:02d}\n")
    gdp = rng.lognormal(17, 2, len(codes))
    with open(folder / "gdp.csv", "w") as fh:
        fh.write("iso3,gdp\n")
        for iso3, g in zip(data["ISO3"], gdp):
            fh.write(f"{iso3},{g:.6f}\n")
    path = folder / "BACI_HS22_Y2023_V202501.csv"
    chunk = 2_000_000
    with open(path, "wb") as fh:
        fh.write(b"t,i,j,k,v,q\n")
        opts = pcsv.WriteOptions(include_header=False)
        for start in range(0, rows, chunk):
            m = min(chunk, rows - start)
            i = rng.integers(0, len(codes), m)
            j = (i + rng.integers(1, len(codes), m)) % len(codes)
            v = np.round(rng.lognormal(2, 2, m), 3)
            q = np.where(rng.random(m) < 0.1, "NA", np.round(v / 3, 3).astype(str))
            table = pa.table({"t": np.full(m, 2023, dtype=np.int32), "i": codes[i], "j": codes[j],
                              "k": products[rng.integers(0, n_products, m)], "v": v, "q": q})
            pcsv.write_csv(table, fh, opts)
    (folder / "spec.toml").write_text(
        'name = "bench"\n[source]\nformat = "baci"\nfiles = ["BACI_HS22_Y2023_V202501.csv"]\n'
        'country_codes = "country_codes_V202501.csv"\nyear = 2023\n[sectors]\nconcordance = "conc.csv"\n'
        '[gdp]\nfile = "gdp.csv"\nscale = 0.001\n')


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="write the inputs here and keep them")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        write_inputs(args.keep, args.rows)
        return 0
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_baci_"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if not (folder / "spec.toml").is_file():
            import subprocess

            t0 = time.perf_counter()  # in a child process, so that the peak memory below is the build's
            subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--keep", str(folder),
                            "--generate-only"], check=True)
            size = (folder / "BACI_HS22_Y2023_V202501.csv").stat().st_size
            print(f"wrote {args.rows:,} rows ({size / 1e6:,.0f} MB) in {time.perf_counter() - t0:.1f} s")
        before = peak_rss_mb()
        from tradewar.data.build import build

        t0 = time.perf_counter()
        world, out, report = build(folder / "spec.toml", folder / "out")
        seconds = time.perf_counter() - t0
        peak = peak_rss_mb()
        for line in report:
            print(f"- {line}")
        print(f"build: {seconds:.1f} s, peak RSS {peak:,.0f} MB (before the build {before:,.0f} MB); "
              f"{world.n_countries} countries × {len(world.sectors)} sectors "
              f"(targets: ≤ 60 s, ≤ 2048 MB): {'OK' if seconds <= 60 and peak <= 2048 else 'MISSED'}")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
