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


def synthetic_io_world(n: int, sectors: int = 10, seed: int = 0, name: str | None = None,
                       tariff_max: float = 0.1, tol: float = 1e-13, max_sweeps: int = 5000) -> World:
    """A random world in the layout of the ``cp2015`` dataset (Caliendo–Parro, input-output
    links), an exact baseline equilibrium of that model with zero deficits, so that
    ``CPModel(world)`` accepts it and its baseline solve starts at the solution.

    Drawn: trade shares π_inj (gravity: exporter size over distance, log-normal noise, a home
    bias), value-added shares γ_nj on [0.3, 0.7], input shares γ_nkj = (1 − γ_nj)·(random
    shares over k), so that every column of the IO table sums to less than one, final-demand
    shares α_nj, baseline tariffs t_inj uniform on [0, ``tariff_max``] (zero at home), θ_j on
    [2, 10]. Expenditure X_nj is then the fixed point of market clearing,
    X_nj = Σ_k γ_njk Y_nk + α_nj I_n with Y_ij = Σ_n π_inj X_nj/(1+t_inj) and
    I_n = Σ_j γ_nj Y_nj + tariff revenue (zero deficits): a positive linear map that keeps
    total spending, iterated to its Perron vector (to ``tol``, relative). Flows
    V = π X/(1+t), intermediate consumption IC_nkj = γ_nkj Y_nj, value added γ_nj Y_nj,
    final consumption α_nj I_n. Extras as :mod:`tradewar.data.cp2015`, with
    ``tariff_counterfactual`` = the first country's tariffs raised by 10 points on every import.
    """
    import xarray as xr

    if sectors < 1:
        raise TradewarError(f"synthetic world: sectors must be at least 1 (got {sectors})")
    rng = np.random.default_rng(seed)
    codes = _codes(n)
    J = sectors
    names = [f"s{k}" for k in range(J)]
    size = np.exp(rng.normal(0.0, 1.0, size=n))
    pos = rng.uniform(0.0, 1.0, size=(n, 2))
    dist = np.sqrt(((pos[:, None, :] - pos[None, :, :]) ** 2).sum(axis=2)) + 0.05
    # π [i, n, j]: exporter size / distance × noise, home bias ×(n/5 .. n/2) so domestic shares are large
    pi = (size[:, None] / dist)[:, :, None] * np.exp(rng.normal(0.0, 0.5, size=(n, n, J)))
    idx = np.arange(n)
    pi[idx, idx, :] *= rng.uniform(0.2, 1.0, size=(n, J)) * max(n, 2)
    pi /= pi.sum(axis=0, keepdims=True)
    gva = rng.uniform(0.3, 0.7, size=(n, J))
    g = rng.gamma(1.0, size=(n, J, J))                        # [n, input k, using j]
    gio = (1.0 - gva)[:, None, :] * g / g.sum(axis=1, keepdims=True)
    a = rng.gamma(1.0, size=(n, J))
    alpha = a / a.sum(axis=1, keepdims=True)
    t = rng.uniform(0.0, tariff_max, size=(n, n, J)) if tariff_max > 0 else np.zeros((n, n, J))
    t[idx, idx, :] = 0.0
    theta = rng.uniform(2.0, 10.0, size=J)
    m = pi / (1.0 + t)                                        # flows per unit of expenditure
    tm = (t * m).sum(axis=0)                                  # [n, j] tariff revenue per unit of X_nj
    mT = np.ascontiguousarray(m.transpose(2, 0, 1))           # [j, i, n]
    total = 1e6 * n
    X = alpha * (total / n)

    def step(X):
        Y = np.matmul(mT, X.T[:, :, None])[:, :, 0].T         # [i, j] = Σ_n m_inj X_nj
        I = (gva * Y).sum(axis=1) + (tm * X).sum(axis=1)
        return np.matmul(gio, Y[:, :, None])[:, :, 0] + alpha * I[:, None], Y, I

    for _ in range(max_sweeps):
        Xn, _, _ = step(X)
        Xn *= total / Xn.sum()
        change = np.max(np.abs(Xn - X) / Xn)
        X = Xn
        if change < tol:
            break
    else:
        raise TradewarError(f"synthetic IO world: market clearing did not converge (relative change {change:.2e})")
    _, Y, I = step(X)
    V = m * X[None]
    IC = gio * Y[:, None, :]
    VA = gva * Y
    FC = alpha * I[:, None]
    D = np.zeros(n)
    t_cf = t.copy()
    t_cf[:, 0, :] += 0.10
    t_cf[0, 0, :] = 0.0
    countries = pd.DataFrame({"name": [f"synthetic {c}" for c in codes], "gdp": VA.sum(axis=1), "deficit": D},
                             index=pd.Index(codes, name="iso3"))
    sector_data = pd.DataFrame({"sector_id": np.arange(1, J + 1), "theta": theta, "tradable": np.ones(J, int)},
                               index=pd.Index(names, name="sector"))
    cs = {"country": codes, "sector": names}
    extras = {
        "tariff_counterfactual": xr.DataArray(
            t_cf, dims=("exporter", "importer", "sector"),
            coords={"exporter": codes, "importer": codes, "sector": names}, name="tariff_counterfactual",
            attrs={"description": f"{codes[0]} raises its tariffs on every import by 10 points"}),
        "intermediate_consumption": xr.DataArray(IC, dims=("country", "input", "sector"),
                                                 coords={"country": codes, "input": names, "sector": names},
                                                 name="intermediate_consumption", attrs={"units": "synthetic units"}),
        "value_added": xr.DataArray(VA, dims=("country", "sector"), coords=cs, name="value_added"),
        "final_consumption": xr.DataArray(FC, dims=("country", "sector"), coords=cs, name="final_consumption"),
        "deficit": xr.DataArray(D, dims=("country",), coords={"country": codes}, name="deficit"),
    }
    order = np.argsort(-VA.sum(axis=1))
    groups = {"BIG10": tuple(codes[i] for i in sorted(order[:min(10, n)]))}
    return World(name=name or f"synthetic_io{n}x{J}", countries=countries, sectors=tuple(names), flows=V,
                 tariffs=t, groups=groups, units="synthetic units", sector_data=sector_data, extras=extras)
