"""Read-only endpoints the pages need: a dataset's countries, groups and sectors (builder), the
US–China war timeline (rates, events, model outcomes by date) and an article's scenario
("simulate this"). Nothing here writes; running goes through ``/jobs`` (token-protected)."""

from __future__ import annotations

import json
import threading
from datetime import date as Date
from functools import lru_cache
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from tradewar.service.dates import article_date


def _root(data):
    from tradewar.data.registry import data_dir

    root = data_dir(data)
    return None if root is None else str(root)


@lru_cache(maxsize=16)
def _world_info(name: str, root: str | None) -> dict:
    import numpy as np
    import pandas as pd

    from tradewar.data import load_dataset

    world = load_dataset(name, root)
    names = world.countries["name"] if "name" in world.countries else world.countries.index.to_series()
    columns = [c for c in world.countries.columns
               if c not in ("name", "gdp", "expenditure") and np.issubdtype(world.countries[c].dtype, np.number)]
    arrays = [k for k, v in getattr(world, "extras", {}).items() if getattr(v, "ndim", 0) in (2, 3)]
    sector_data = getattr(world, "sector_data", None)
    sector_columns = [] if sector_data is None else [
        c for c in sector_data.columns if c != "sector_id" and pd.api.types.is_numeric_dtype(sector_data[c])]
    return {"name": name, "countries": [{"code": c, "name": str(n)} for c, n in zip(world.countries.index, names)],
            "groups": {k: list(v) for k, v in world.groups.items()}, "sectors": list(world.sectors),
            "columns": columns, "arrays": arrays, "sector_columns": sector_columns, "units": world.units}


def _library() -> dict:
    from tradewar.run import library_scenarios

    return library_scenarios()


@lru_cache(maxsize=256)
def _library_entry(path: str) -> dict:
    import tomllib

    with open(path, "rb") as f:
        spec = tomllib.load(f)
    return {"title": str(spec.get("title", "")), "dataset": str(spec.get("dataset", ""))}


def _step_series(schedule) -> dict:
    w = schedule.lines["weight"].to_numpy()
    avg = schedule.rates.T @ w / w.sum()
    return {"dates": [str(d.date()) for d in schedule.steps], "average": [round(float(x), 4) for x in avg],
            "labels": list(schedule.labels)}


_TIMELINE_LOCK = threading.Lock()


def _timeline_once(world: str, root: str | None) -> dict:
    """:func:`_timeline`, solved once per world however many requests ask at the same time."""
    with _TIMELINE_LOCK:
        return _timeline(world, root)


@lru_cache(maxsize=4)
def _timeline(world: str, root: str | None) -> dict:
    from tradewar.war.api import events, run_timeline, schedules

    run = run_timeline(world, data=root)
    rates = {direction: {"importer": s.importer, "exporter": s.exporter, **_step_series(s)}
             for direction, s in schedules(root).items()}
    ev = events(data=root)
    ev = ev.assign(date=ev["date"].dt.strftime("%Y-%m-%d"))
    return {"world": world, "rates": rates,
            "events": json.loads(ev.to_json(orient="records")),
            "steps": json.loads(run.table.reset_index().to_json(orient="records")),
            "notes": list(run.notes)}


def router(data=None) -> APIRouter:
    r = APIRouter()

    @r.get("/datasets/{name}/world", tags=["web"])
    async def dataset_world(name: str = Path(max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")) -> dict:
        """A dataset's countries (code, name), groups, sectors, rate columns, arrays and numeric
        sector-data columns (per-sector parameters such as ``sigma_main``)."""
        return await run_in_threadpool(_world_info, name, _root(data))

    @r.get("/scenarios/library", tags=["web"])
    def library() -> list[dict]:
        """The scenarios shipped with the package: name (``paper/stem``), title, dataset."""
        return [{"name": name, **_library_entry(str(path))} for name, path in _library().items()]

    @r.get("/scenarios/library/{paper}/{stem}", tags=["web"])
    def library_scenario(paper: str, stem: str) -> dict:
        """One shipped scenario's TOML text (to edit and run in the builder)."""
        path = _library().get(f"{paper}/{stem}")
        if path is None:
            raise HTTPException(status_code=404, detail=f"library scenario {paper + '/' + stem!r}: not found "
                                                        "(GET /scenarios/library lists them)")
        return {"name": f"{paper}/{stem}", "toml": path.read_text(encoding="utf-8")}

    @r.get("/war/timeline", tags=["web"])
    async def war_timeline(world: Literal["ossa2014", "ignatenko2025"] = Query("ossa2014")) -> dict:
        """The US–China war: average rates both ways by date, the dated events, and the model
        solved at each step (welfare %, prices %, bilateral trade %, US balance with China)."""
        return await run_in_threadpool(_timeline_once, world, _root(data))

    @r.get("/war/scenario", tags=["web"])
    async def war_scenario(date: str = Query("seed", max_length=40, description="YYYY-MM-DD, YYYY-MM or 'seed'"),
                           world: Literal["ossa2014", "ignatenko2025"] = Query("ossa2014")) -> dict:
        """The war's tariffs at ``date`` as a scenario (TOML) on ``world``, not run."""
        from tradewar.war.scenarios import scenario_at, scenario_toml

        def build():
            sc = scenario_at(date, world, data=data)   # a bad date: ParameterError naming `date`
            return {"name": sc.name, "toml": scenario_toml(sc)}

        return await run_in_threadpool(build)

    @r.post("/news/scenario", tags=["web"])
    async def news_scenario(request: Request, on: Date | None = Depends(article_date), threats: bool = False,
                            basis: Literal["article", "data"] = "article") -> dict:
        """An article's tariff measures as a scenario (TOML) on ``ignatenko2025``, not run."""
        from tradewar.news.reader import read
        from tradewar.news.simulate import scenario
        from tradewar.war.scenarios import scenario_toml

        text = await request.app.state.body_text(request)     # bounded while streaming, UTF-8

        def build():
            report = read(text=text, on=on, data=data, source="article")
            sc, plan = scenario(report, threats=threats, basis=basis, data=data)
            return {"name": sc.name, "toml": scenario_toml(sc), "plan": plan.as_dict()}

        return await run_in_threadpool(build)

    return r
