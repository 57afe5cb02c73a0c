"""Load test of `tradewar serve` on loopback: 200 concurrent small scenario runs (a US tariff on
China, ignatenko2025, one-sector model), on a DuckDB file and on PostgreSQL.

What a client sees when the server is busy: ``--max-jobs`` runs are solved at once (one per
core), up to ``--max-queue`` more wait in the server's queue (bounded, so memory is bounded);
beyond that the server answers 429 with ``Retry-After`` and the client retries with exponential
backoff and jitter, honouring Retry-After. By default the queue (256) holds all 200, so no
retry should be needed; ``--max-queue 16`` shows the 429 path. Retries and failures are
counted and printed. The server shares BLAS threads between its concurrent solves.

Checks: every request answered 200 with a run id, every id listed by GET /runs, the count of
stored runs exact. Prints p50/p99/max latency (request sent -> answer, retries included) and
throughput. Bounded: 200 runs, at most ``TIMEOUT`` seconds per store.

    python benchmarks/bench_serve_load.py [--runs 200] [--stores duckdb,postgresql]
PostgreSQL: $TRADEWAR_TEST_POSTGRES or the `make services` default (a fresh schema, dropped after).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from tradewar.data.registry import REGISTRY, data_dir
from tradewar.service.launch import start_server

POSTGRES_URL = "postgresql://tradewar:tradewar@127.0.0.1:5432/tradewar_test"
TIMEOUT = 120.0          # seconds per store, all runs
MAX_ATTEMPTS = 8
QUEUE = 256             # server queue: holds all 200; try --max-queue 16 to see 429s and retries


def scenario(k: int) -> dict:
    return {"name": f"load-{k}", "dataset": "ignatenko2025",
            "tariffs": [{"importer": "USA", "exporters": "CHN", "rate": round(0.05 + 0.001 * k, 4)}]}


async def one_run(client: httpx.AsyncClient, k: int) -> tuple[float, int, str | None, str]:
    """(latency s, retries, run id or None, last status) for one scenario, retrying 429/503."""
    start, retries, delay = time.perf_counter(), 0, 0.1
    for _ in range(MAX_ATTEMPTS):
        try:
            r = await client.post("/scenarios/run", json=scenario(k))
        except httpx.TransportError as exc:
            status = type(exc).__name__
        else:
            status = str(r.status_code)
            if r.status_code == 200:
                return time.perf_counter() - start, retries, r.json()["id"], status
            if r.status_code not in (429, 503):
                return time.perf_counter() - start, retries, None, f"{status} {r.text[:200]}"
            delay = max(delay, float(r.headers.get("retry-after", 0) or 0))
        retries += 1
        await asyncio.sleep(delay * random.uniform(1.0, 1.5))
        delay = min(delay * 2, 10.0)
    return time.perf_counter() - start, retries, None, status


async def load(url: str, runs: int) -> dict:
    limits = httpx.Limits(max_connections=runs, max_keepalive_connections=runs)
    async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT, limits=limits) as client:
        warm = await client.post("/scenarios/run", json=scenario(-1))  # loads the dataset once
        assert warm.status_code == 200, warm.text
        start = time.perf_counter()
        results = await asyncio.wait_for(asyncio.gather(*(one_run(client, k) for k in range(runs))), TIMEOUT)
        wall = time.perf_counter() - start
        ids = [rid for _, _, rid, _ in results if rid]
        listed = {r["id"] for r in (await client.get("/runs", params={"limit": 1000})).json()}
        stored = [(await client.get(f"/runs/{rid}")).json() for rid in ids[:5]]
    return {"results": results, "wall": wall, "ids": ids, "listed": listed, "warm": warm.json()["id"],
            "stored_ok": all(s["outcome"]["countries"] for s in stored)}


def report(name: str, out: dict, runs: int) -> bool:
    lat = sorted(r[0] for r in out["results"])
    failures = [r[3] for r in out["results"] if r[2] is None]
    retries = sum(r[1] for r in out["results"])
    missing = set(out["ids"]) - out["listed"]
    ok = not failures and not missing and len(out["listed"]) == runs + 1 and out["stored_ok"]
    p99 = lat[min(len(lat) - 1, round(0.99 * len(lat)) - 1)]
    print(f"{name:<11} {len(out['ids'])}/{runs} answered 200, {len(out['listed'])} stored "
          f"(incl. 1 warm-up), missing {len(missing)}, retries {retries}, failures {len(failures)}")
    print(f"{'':<11} latency p50 {statistics.median(lat) * 1000:7.0f} ms   p99 {p99 * 1000:7.0f} ms   "
          f"max {lat[-1] * 1000:7.0f} ms   throughput {runs / out['wall']:6.1f} runs/s ({out['wall']:.1f} s)")
    if failures:
        print(f"{'':<11} first failures: {failures[:3]}")
    return ok


def run_store(name: str, store: str, data, runs: int, log: Path, server_args: tuple) -> tuple[bool, float]:
    server = start_server(store, data, log, args=server_args)
    try:
        out = asyncio.run(load(server.url, runs))
    finally:
        server.stop()
    return report(name, out, runs), runs / out["wall"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--stores", default="duckdb,postgresql")
    ap.add_argument("--max-queue", type=int, default=QUEUE, help="the server's --max-queue")
    args = ap.parse_args()
    server_args = ("--max-jobs", "2", "--max-queue", str(args.max_queue), "--queue-timeout", "60")
    root = data_dir()
    if REGISTRY.info("ignatenko2025").missing_files(root):
        raise SystemExit(f"ignatenko2025 not available in {root} (set TRADEWAR_DATA)")
    print(f"tradewar serve load test: {args.runs} concurrent runs (USA tariff on CHN, ignatenko2025), "
          f"server {' '.join(server_args)}, {os.cpu_count()} cores")
    ok, rates = True, {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in args.stores.split(","):
            if name == "duckdb":
                good, rates[name] = run_store(name, str(tmp / "runs.duckdb"), root, args.runs, tmp / "serve.log",
                                              server_args)
            elif name == "postgresql":
                import psycopg

                base = os.environ.get("TRADEWAR_TEST_POSTGRES", POSTGRES_URL)
                schema = f"bench_{uuid.uuid4().hex[:12]}"
                try:
                    good, rates[name] = run_store(name, f"{base}?schema={schema}", root, args.runs,
                                                  tmp / "serve.log", server_args)
                finally:
                    with psycopg.connect(base, autocommit=True) as con:
                        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            else:
                raise SystemExit(f"--stores: unknown store {name!r} (duckdb, postgresql)")
            ok &= good
    if len(rates) == 2:
        print(f"throughput postgresql / duckdb: {rates['postgresql'] / rates['duckdb']:.2f}")
    print("all runs answered and stored" if ok else "FAILED: see above")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
