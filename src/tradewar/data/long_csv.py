"""Generic long-format loader: one row per (exporter, importer, [sector]) with a value.

``flows`` CSV columns: ``exporter, importer, [sector,] value`` (ISO3 codes). ``countries`` CSV
columns: ``iso3, gdp[, name]`` in the same currency unit as ``value``. Pairs not listed are 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tradewar.data.csvutil import pairs_to_array, read_csv
from tradewar.errors import DataError
from tradewar.world import World


def load_long_csv(flows: str | Path, countries: str | Path, name: str | None = None,
                  units: str = "thousand USD") -> World:
    flows, countries = Path(flows), Path(countries)
    name = name or flows.stem
    table = read_csv(name, countries, {"iso3": "str", "gdp": "float"})
    try:  # peek at the header; read_csv below reports unreadable files with the file name
        head = pd.read_csv(flows, nrows=0).columns if flows.is_file() else []
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        head = []
    has_sector = "sector" in head
    required = {"exporter": "str", "importer": "str", "value": "float"}
    if has_sector:
        required["sector"] = "str"
    frame = read_csv(name, flows, required)
    codes = table["iso3"].tolist()
    sectors = sorted(frame["sector"].astype(str).unique()) if has_sector else ["all"]
    array = pairs_to_array(name, flows.name, frame, codes, "exporter", "importer", "value",
                           sector="sector" if has_sector else None, sectors=sectors)
    own = np.einsum("iis->i", array) > 0   # exporter = importer rows: domestic absorption, for all or none
    if own.any() and not own.all():
        raise DataError(name, f"{flows.name}:exporter/importer", "domestic flows (exporter = importer) given for "
                        f"{[c for c, o in zip(codes, own) if o][:8]} but not for {[c for c, o in zip(codes, own) if not o][:8]}: "
                        "give them for every country or none")
    index = pd.Index(codes, name="iso3")
    out = pd.DataFrame({"name": table["name"] if "name" in table else codes, "gdp": table["gdp"]})
    out.index = index
    extra = [c for c in table.columns if c not in ("iso3", "gdp", "name")]
    for column in extra:
        out[column] = table[column].to_numpy()
    return World(name=name, countries=out, sectors=tuple(sectors), flows=array, units=units)
