"""Synthetic worlds of any size, consistent by construction, for scaling tests and benchmarks.

    world = synthetic_world(500, sectors=3, seed=1)
    write_dataset(world, data_dir / "synth500")   # a dataset any scenario can name (long CSV)

Countries get three-letter codes (``USA`` first, for the one-sector model's ν calibration,
then ``AAA``, ``AAB``, …; up to 17,576 countries), GDPs drawn log-normally, positions on a
plane; bilateral flows follow gravity (GDP_i·GDP_j / distance) with log-normal noise and are
scaled towards each country's exports plus imports being 20–80% of its GDP, which then
defines GDP exactly (so domestic absorption is positive). Sectors split each flow by Dirichlet shares. A country column ``applied_tariff``
(uniform on [0, 0.3]) and a group ``BIG10`` (the ten largest economies; in memory only: the
long-CSV format carries no groups) let library-style scenarios run unchanged. No baseline tariffs (the one-sector model's assumption).
"""

from __future__ import annotations

import itertools
import string
from pathlib import Path

import numpy as np
import pandas as pd

from tradewar.errors import TradewarError
from tradewar.world import World


def _codes(n: int) -> list[str]:
    if not 2 <= n <= 26 ** 3:
        raise TradewarError(f"synthetic world: the number of countries must be in [2, {26 ** 3}] (got {n})")
    codes = ["USA"]
    for letters in itertools.product(string.ascii_uppercase, repeat=3):
        if len(codes) == n:
            break
        code = "".join(letters)
        if code != "USA":
            codes.append(code)
    return codes


def synthetic_world(n: int, sectors: int = 1, seed: int = 0, name: str | None = None) -> World:
    """A consistent random world of ``n`` countries and ``sectors`` sectors (see the module)."""
    if sectors < 1:
        raise TradewarError(f"synthetic world: sectors must be at least 1 (got {sectors})")
    rng = np.random.default_rng(seed)
    codes = _codes(n)
    gdp = np.exp(rng.normal(0.0, 1.5, size=n)) * 1e6
    pos = rng.uniform(0.0, 1.0, size=(n, 2))
    dist = np.sqrt(((pos[:, None, :] - pos[None, :, :]) ** 2).sum(axis=2)) + 0.05
    trade = gdp[:, None] * gdp[None, :] / dist * np.exp(rng.normal(0.0, 0.5, size=(n, n)))
    np.fill_diagonal(trade, 0.0)
    if n > 1:
        # scale rows and columns so that exports + imports = openness × GDP (a few sweeps)
        openness = rng.uniform(0.2, 0.8, size=n)
        for _ in range(50):
            total = trade.sum(axis=0) + trade.sum(axis=1)
            f = np.sqrt(openness * gdp / total)
            trade = trade * f[:, None] * f[None, :]
        # the sweeps get close; GDP is then set so that openness holds exactly (small worlds
        # with one dominant economy cannot reach every target by rescaling flows alone)
        gdp = (trade.sum(axis=0) + trade.sum(axis=1)) / openness
    shares = rng.dirichlet(np.ones(sectors), size=(n, n)) if sectors > 1 else np.ones((n, n, 1))
    flows = trade[:, :, None] * shares
    order = np.argsort(-gdp)
    countries = pd.DataFrame({"name": [f"synthetic {c}" for c in codes], "gdp": gdp,
                              "applied_tariff": rng.uniform(0.0, 0.3, size=n)},
                             index=pd.Index(codes, name="iso3"))
    groups = {"BIG10": tuple(codes[i] for i in sorted(order[:min(10, n)]))}
    return World(name=name or f"synthetic{n}", countries=countries,
                 sectors=tuple(f"s{k}" for k in range(sectors)), flows=flows, units="synthetic units",
                 groups=groups)


def write_dataset(world: World, folder: str | Path) -> Path:
    """Write ``world`` as a long-CSV dataset folder (``flows.csv``, ``countries.csv``): name the
    folder in a scenario's ``dataset`` with ``--data`` pointing at its parent."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    codes = np.array(world.iso3)
    flows = np.asarray(world.flows)
    i, j, s = np.nonzero(flows)
    table = pd.DataFrame({"exporter": codes[i], "importer": codes[j]})
    if len(world.sectors) > 1:
        table["sector"] = np.array(world.sectors)[s]
    table["value"] = flows[i, j, s]
    table.to_csv(folder / "flows.csv", index=False, float_format="%.17g")
    world.countries.reset_index().to_csv(folder / "countries.csv", index=False, float_format="%.17g")
    return folder
