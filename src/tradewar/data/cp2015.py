"""Loader for the NAFTA data of Caliendo & Parro (2015), as restructured from the R package
``cp2015`` (see ``shared/data/cp2015/SOURCE.md``): 31 regions (30 countries and ``ROW``, an
aggregate region declared in :attr:`World.region_codes`) × 40 sectors (20 goods, 20 services),
1993, US dollars.

The World holds (``specs/cp2015.md`` §C):

* ``flows`` = ``trade.csv:value_usd`` [exporter, importer, sector] (domestic cells included,
  net of tariffs); ``tariffs`` = ``tariff_1993`` (the importer's rate, the baseline).
* ``countries``: ``name``; ``gdp`` = value added Σ_j VA_nj (CP's labour income wL_n);
  ``deficit`` (``deficit.csv``: imports − exports); ``nafta`` (1 for CAN, MEX, USA).
* ``groups``: ``NAFTA`` = CAN, MEX, USA.
* ``sector_data`` (indexed by sector name): ``sector_id``, ``theta`` (θ_j, the trade
  elasticity of the sector), ``tradable``.
* ``extras`` (xarray, labelled with the World's codes):

  - ``tariff_counterfactual`` [exporter, importer, sector]: CP's NAFTA counterfactual (2005
    tariffs among CAN, MEX, USA, the 1993 ones elsewhere). Any bilateral extra like this one can
    set tariffs from a scenario: ``rate = { array = "tariff_counterfactual" }``;
  - ``intermediate_consumption`` [country, input, sector]: purchases of ``input`` by producers
    of ``sector`` (tariff-inclusive);
  - ``value_added`` [country, sector], ``final_consumption`` [country, sector];
  - ``deficit`` [country]: the ``deficits`` column as an array.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from tradewar.data.csvutil import pairs_to_array, read_csv
from tradewar.data.registry import DatasetInfo
from tradewar.errors import DataError
from tradewar.world import World

NAME = "cp2015"
AGGREGATES = ("ROW",)


def _region_sector(frame: pd.DataFrame, file: str, codes: list[str], sectors: list[str],
                   columns: tuple[str, str] = ("region_iso3", "sector")) -> np.ndarray:
    """Long (region, sector, value_usd) rows -> array [country, sector], every cell present once."""
    rc, sc = columns
    unknown = sorted(set(frame[rc]) - set(codes))
    if unknown:
        raise DataError(NAME, f"{file}:{rc}", f"unknown region codes {unknown[:8]}")
    unknown = sorted(set(frame[sc]) - set(sectors))
    if unknown:
        raise DataError(NAME, f"{file}:{sc}", f"unknown sectors {unknown[:8]}")
    dup = frame.duplicated([rc, sc], keep=False)
    if dup.any():
        rows = (np.flatnonzero(dup.to_numpy()) + 2)[:8].tolist()
        raise DataError(NAME, f"{file}:{rc}/{sc}", f"duplicate rows at line(s) {rows}")
    table = frame.pivot(index=rc, columns=sc, values="value_usd").reindex(index=codes, columns=sectors)
    missing = np.argwhere(table.isna().to_numpy())
    if len(missing):
        shown = [f"{codes[i]}/{sectors[s]}" for i, s in missing[:8]]
        raise DataError(NAME, f"{file}:value_usd", f"missing cells {shown}")
    return table.to_numpy(dtype=float)


def load(folder: Path) -> World:
    regions = read_csv(NAME, folder / "regions.csv",
                       {"region_id": "int", "iso3": "str", "region_name": "str", "nafta": "int"})
    sectors = read_csv(NAME, folder / "sectors.csv",
                       {"sector_id": "int", "sector": "str", "theta": "float", "tradable": "int"})
    trade = read_csv(NAME, folder / "trade.csv", {
        "exporter_iso3": "str", "importer_iso3": "str", "sector": "str", "value_usd": "float",
        "tariff_1993": "float", "tariff_counterfactual": "float"})
    ic = read_csv(NAME, folder / "intermediate_consumption.csv",
                  {"region_iso3": "str", "input_sector": "str", "using_sector": "str", "value_usd": "float"})
    fc = read_csv(NAME, folder / "final_consumption.csv", {"region_iso3": "str", "sector": "str", "value_usd": "float"})
    va = read_csv(NAME, folder / "value_added.csv", {"region_iso3": "str", "sector": "str", "value_usd": "float"})
    deficit = read_csv(NAME, folder / "deficit.csv", {"region_iso3": "str", "deficit_usd": "float"})

    regions = regions.sort_values("region_id")
    codes = regions["iso3"].tolist()
    sectors = sectors.sort_values("sector_id")
    names = sectors["sector"].tolist()
    bad = sectors.loc[~(sectors["theta"] > 0), "sector"].tolist()
    if bad:
        raise DataError(NAME, "sectors.csv:theta", f"trade elasticities must be positive; not so for {bad[:8]}")
    n, J = len(codes), len(names)

    file = "trade.csv"
    if len(trade) != n * n * J:
        raise DataError(NAME, file, f"expected {n}×{n}×{J} = {n * n * J} rows (domestic cells included); got {len(trade)}")
    arrays = {c: pairs_to_array(NAME, file, trade, codes, "exporter_iso3", "importer_iso3", c,
                                sector="sector", sectors=names)
              for c in ("value_usd", "tariff_1993", "tariff_counterfactual")}

    file = "intermediate_consumption.csv"
    for col in ("input_sector", "using_sector"):
        unknown = sorted(set(ic[col]) - set(names))
        if unknown:
            raise DataError(NAME, f"{file}:{col}", f"unknown sectors {unknown[:8]}")
    unknown = sorted(set(ic["region_iso3"]) - set(codes))
    if unknown:
        raise DataError(NAME, f"{file}:region_iso3", f"unknown region codes {unknown[:8]}")
    if len(ic) != n * J * J or ic.duplicated(["region_iso3", "input_sector", "using_sector"]).any():
        raise DataError(NAME, file, f"expected each of the {n}×{J}×{J} = {n * J * J} (region, input, using) cells "
                                    f"exactly once; got {len(ic)} rows")
    cpos, spos = {c: k for k, c in enumerate(codes)}, {s: k for k, s in enumerate(names)}
    IC = np.zeros((n, J, J))
    IC[ic["region_iso3"].map(cpos), ic["input_sector"].map(spos), ic["using_sector"].map(spos)] = ic["value_usd"]
    FC = _region_sector(fc, "final_consumption.csv", codes, names)
    VA = _region_sector(va, "value_added.csv", codes, names)
    if np.any(VA < 0) or np.any(FC < 0):
        raise DataError(NAME, "value_added.csv/final_consumption.csv", "values must be non-negative")
    unknown = sorted(set(deficit["region_iso3"]) - set(codes))
    missing = sorted(set(codes) - set(deficit["region_iso3"]))
    if unknown or missing or deficit["region_iso3"].duplicated().any():
        raise DataError(NAME, "deficit.csv:region_iso3", f"need each region once; unknown {unknown[:8]}, missing {missing[:8]}")
    D = deficit.set_index("region_iso3")["deficit_usd"].reindex(codes).to_numpy(dtype=float)

    table = pd.DataFrame({
        "name": regions["region_name"].to_numpy(),
        "gdp": VA.sum(axis=1),
        "deficit": D,
        "nafta": regions["nafta"].to_numpy(),
    }, index=pd.Index(codes, name="iso3"))
    sector_data = sectors.set_index("sector")[["sector_id", "theta", "tradable"]]
    cs = {"country": codes, "sector": names}
    extras = {
        "tariff_counterfactual": xr.DataArray(
            arrays["tariff_counterfactual"], dims=("exporter", "importer", "sector"),
            coords={"exporter": codes, "importer": codes, "sector": names}, name="tariff_counterfactual",
            attrs={"description": "CP2015 NAFTA counterfactual: 2005 tariffs among CAN, MEX, USA, 1993 elsewhere"}),
        "intermediate_consumption": xr.DataArray(IC, dims=("country", "input", "sector"),
                                                 coords={"country": codes, "input": names, "sector": names},
                                                 name="intermediate_consumption", attrs={"units": "USD"}),
        "value_added": xr.DataArray(VA, dims=("country", "sector"), coords=cs, name="value_added", attrs={"units": "USD"}),
        "final_consumption": xr.DataArray(FC, dims=("country", "sector"), coords=cs, name="final_consumption",
                                          attrs={"units": "USD"}),
        "deficit": xr.DataArray(D, dims=("country",), coords={"country": codes}, name="deficit", attrs={"units": "USD"}),
    }
    return World(
        name=NAME, countries=table, sectors=tuple(names), flows=arrays["value_usd"], tariffs=arrays["tariff_1993"],
        groups={"NAFTA": tuple(c for c, f in zip(codes, regions["nafta"]) if f == 1)},
        units="USD", citation=INFO.citation, region_codes=AGGREGATES, sector_data=sector_data, extras=extras,
    )


INFO = DatasetInfo(
    name=NAME,
    title="31 regions × 40 sectors, 1993: flows, tariffs (1993 and NAFTA 2005), input-output tables, θ",
    files=("regions.csv", "sectors.csv", "trade.csv", "intermediate_consumption.csv", "final_consumption.csv",
           "value_added.csv", "deficit.csv"),
    loader=load,
    source="R package cp2015 (github.com/paulofelipe/cp2015, data/cp2015_nafta.rda), built from Caliendo & Parro's "
    "replication files",
    citation="Caliendo, Lorenzo and Fernando Parro (2015), 'Estimates of the Trade and Welfare Effects of NAFTA', "
    "Review of Economic Studies 82(1): 1-44, doi:10.1093/restud/rdu035.",
    licence="package code MIT; data are CP's replication data restructured by the package author — cite CP2015",
)
