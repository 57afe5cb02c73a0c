"""Loader for the data of Ossa (2014), "Trade Wars and Trade Talks with Data" (AER 104(12)).

7 regions (``BRA, CHN, EU, IND, JPN, ROW, USA``; ``EU`` and ``ROW`` are aggregate regions,
declared as :attr:`World.region_codes`) × 33 traded GTAP sectors, 2007, million US$.

The World holds (``specs/ossa2014.md`` B.1):

* ``flows`` = ``trade_balanced`` [exporter, importer, sector], domestic cells included: the
  calibrated flows purged of trade imbalances that every counterfactual of the paper uses,
  valued before the importer's tariff; ``tariffs`` = ``tariff`` (the importer's ad-valorem
  rate, 0 on the diagonal). Sectors are the GTAP codes in ``sector_id`` order.
* ``countries``: ``name``; ``gdp`` = **value added** Σ_{j,s} X_ijs of the balanced flows (the
  model has no intermediate inputs, so a region's sales are its GDP at producer prices: wage
  bill plus profits); ``expenditure`` E_j = Σ_{i,s} (1+t_ijs) X_ijs; ``tariff_revenue``.
* ``sector_data`` (indexed by GTAP code): ``sector_id``, ``description`` and the elasticities
  of substitution ``sigma_main`` (the paper's main results), ``sigma_low``, ``sigma_med``,
  ``sigma_high`` and ``sigma_novar`` (its sensitivity versions).
* ``extras`` (xarray, labelled with the World's codes):

  - ``trade_raw`` [exporter, importer, sector]: the GTAP flows before the balancing step;
  - ``political_economy_weights`` [country, sector]: λ_js (the paper's LAMBDAPOL);
  - ``mfn_optimal_tariff_at_lambda`` [country, sector]: MFN optimal tariffs at λ from the
    calibration step;
  - ``noncooperative_tariff`` [country, sector]: the λ-calibration targets
    (``target_tariff_used``), and ``noncooperative_tariff_raw`` (``target_tariff_raw``).
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

NAME = "ossa2014"
#: The package's aggregate regions: not ISO3 countries (the EU of GTAP 2007, the rest of the world).
AGGREGATES = ("EU", "ROW")
SIGMA_COLUMNS = ("sigma_main", "sigma_low", "sigma_med", "sigma_high", "sigma_novar")


def _region_sector(frame: pd.DataFrame, file: str, value: str, codes: list[str], sectors: list[str]) -> xr.DataArray:
    """Long (region, gtap_code, value) rows -> DataArray [country, sector], every cell present once."""
    unknown = sorted(set(frame["region"]) - set(codes))
    if unknown:
        raise DataError(NAME, f"{file}:region", f"unknown region codes {unknown[:8]}")
    unknown = sorted(set(frame["gtap_code"]) - set(sectors))
    if unknown:
        raise DataError(NAME, f"{file}:gtap_code", f"unknown sector codes {unknown[:8]}")
    dup = frame.duplicated(["region", "gtap_code"], keep=False)
    if dup.any():
        rows = (np.flatnonzero(dup.to_numpy()) + 2)[:8].tolist()
        raise DataError(NAME, f"{file}:region/gtap_code", f"duplicate rows at line(s) {rows}")
    table = frame.pivot(index="region", columns="gtap_code", values=value).reindex(index=codes, columns=sectors)
    missing = np.argwhere(table.isna().to_numpy())
    if len(missing):
        shown = [f"{codes[i]}/{sectors[s]}" for i, s in missing[:8]]
        raise DataError(NAME, f"{file}:{value}", f"missing region/sector cells {shown}")
    return xr.DataArray(table.to_numpy(dtype=float), dims=("country", "sector"),
                        coords={"country": codes, "sector": sectors}, name=value)


def load(folder: Path) -> World:
    regions = read_csv(NAME, folder / "regions.csv", {"region_id": "int", "region_code": "str", "region_name": "str"})
    sectors = read_csv(NAME, folder / "sectors.csv", {
        "sector_id": "int", "gtap_code": "str", "description": "str", **{c: "float" for c in SIGMA_COLUMNS},
    })
    bilateral = read_csv(NAME, folder / "bilateral_sector.csv", {
        "exporter": "str", "importer": "str", "sector_id": "int", "gtap_code": "str",
        "trade_raw": "float", "trade_balanced": "float", "tariff": "float",
    })
    weights = read_csv(NAME, folder / "political_economy_weights.csv", {
        "region": "str", "sector_id": "int", "gtap_code": "str", "lambda": "float",
        "mfn_optimal_tariff_at_lambda": "float",
    })
    targets = read_csv(NAME, folder / "noncooperative_tariffs.csv", {
        "region": "str", "sector_id": "int", "gtap_code": "str",
        "target_tariff_raw": "float", "target_tariff_used": "float",
    })

    regions = regions.sort_values("region_id")
    codes = regions["region_code"].tolist()
    sectors = sectors.sort_values("sector_id")
    codes_s = sectors["gtap_code"].tolist()
    bad_sigma = sectors.loc[~(sectors[list(SIGMA_COLUMNS)] > 1).all(axis=1), "gtap_code"].tolist()
    if bad_sigma:
        raise DataError(NAME, "sectors.csv:sigma", f"elasticities of substitution must exceed 1; not so for {bad_sigma[:8]}")

    file = "bilateral_sector.csv"
    unknown = sorted(set(bilateral["gtap_code"]) - set(codes_s))
    if unknown:
        raise DataError(NAME, f"{file}:gtap_code", f"unknown sector codes {unknown[:8]}")
    n, s = len(codes), len(codes_s)
    if len(bilateral) != n * n * s:
        raise DataError(NAME, file, f"expected {n}×{n}×{s} = {n * n * s} rows (domestic cells included); got {len(bilateral)}")
    arrays = {}
    for column in ("trade_balanced", "trade_raw", "tariff"):
        arrays[column] = pairs_to_array(NAME, file, bilateral, codes, "exporter", "importer", column,
                                        sector="gtap_code", sectors=codes_s)
    X, t = arrays["trade_balanced"], arrays["tariff"]
    if np.any(np.diagonal(t, axis1=0, axis2=1) != 0):
        raise DataError(NAME, f"{file}:tariff", "domestic (diagonal) tariffs must be 0")

    gdp = X.sum(axis=(1, 2))                        # value added = sales (no intermediates)
    revenue = (t * X).sum(axis=(0, 2))
    expenditure = X.sum(axis=(0, 2)) + revenue
    table = pd.DataFrame({
        "name": regions["region_name"].to_numpy(),
        "gdp": gdp,
        "expenditure": expenditure,
        "tariff_revenue": revenue,
    }, index=pd.Index(codes, name="iso3"))
    sector_data = sectors.set_index("gtap_code")[["sector_id", "description", *SIGMA_COLUMNS]]
    dims3 = ("exporter", "importer", "sector")
    extras = {
        "trade_raw": xr.DataArray(arrays["trade_raw"], dims=dims3,
                                  coords={"exporter": codes, "importer": codes, "sector": codes_s}, name="trade_raw"),
        "political_economy_weights": _region_sector(weights, "political_economy_weights.csv", "lambda", codes, codes_s),
        "mfn_optimal_tariff_at_lambda": _region_sector(weights, "political_economy_weights.csv",
                                                       "mfn_optimal_tariff_at_lambda", codes, codes_s),
        "noncooperative_tariff": _region_sector(targets, "noncooperative_tariffs.csv", "target_tariff_used", codes, codes_s),
        "noncooperative_tariff_raw": _region_sector(targets, "noncooperative_tariffs.csv", "target_tariff_raw", codes, codes_s),
    }
    return World(
        name=NAME, countries=table, sectors=tuple(codes_s), flows=X, tariffs=t,
        units="million USD", citation=INFO.citation,
        region_codes=tuple(c for c in codes if c in AGGREGATES),
        sector_data=sector_data, extras=extras,
    )


INFO = DatasetInfo(
    name=NAME,
    title="7 regions × 33 GTAP sectors, 2007: flows, tariffs, elasticities, political-economy weights",
    files=("regions.csv", "sectors.csv", "bilateral_sector.csv", "political_economy_weights.csv",
           "noncooperative_tariffs.csv"),
    loader=load,
    source="AER replication package of Ossa (2014) (openICPSR), as mirrored in github.com/adamsconchallos/trade; "
    "GTAP 2007 aggregates",
    citation="Ossa, Ralph (2014), 'Trade Wars and Trade Talks with Data', American Economic Review 104(12): "
    "4104-4146, doi:10.1257/aer.104.12.4104.",
    licence="no licence file; redistributed in the AER replication package (GTAP is licensed); cite Ossa (2014)",
)
