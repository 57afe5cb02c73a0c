"""Loader for the gegravity sample: 30 countries, manufacturing, 2006 (millions of US$).

Flows include domestic trade. ``gdp`` is the exporter's output ``Y``; expenditure ``E`` is kept
as a country column. The gravity cost variables (``pta``, ``contiguity``, ``common_language``,
``lndist``, ``international``) are ``extras["cost_variables"]``, an xarray Dataset [exporter,
importer] (read by the ``structural_gravity`` model and ``[[trade_costs]]`` measures).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr

from tradewar.data.csvutil import pairs_to_array, read_csv
from tradewar.data.registry import DatasetInfo
from tradewar.world import World

NAME = "gegravity_sample"
COST_VARIABLES = ("pta", "contiguity", "common_language", "lndist", "international")


def load(folder: Path) -> World:
    frame = read_csv(NAME, folder / "gravity_sample_2006.csv", {
        "exporter": "str", "importer": "str", "trade": "float", "Y": "float", "E": "float",
        **{v: "float" for v in COST_VARIABLES},
    })
    codes = sorted(set(frame["exporter"]) | set(frame["importer"]))
    output = frame.groupby("exporter")["Y"].first().reindex(codes)
    expenditure = frame.groupby("importer")["E"].first().reindex(codes)
    table = pd.DataFrame({"name": codes, "gdp": output.to_numpy(), "expenditure": expenditure.to_numpy()},
                         index=pd.Index(codes, name="iso3"))
    array = pairs_to_array(NAME, "gravity_sample_2006.csv", frame, codes, "exporter", "importer", "trade")
    costs = xr.Dataset({v: (("exporter", "importer"), pairs_to_array(NAME, "gravity_sample_2006.csv", frame, codes,
                                                                     "exporter", "importer", v)[:, :, 0])
                        for v in COST_VARIABLES}, coords={"exporter": codes, "importer": codes})
    return World(name=NAME, countries=table, sectors=("manufacturing",), flows=array,
                 units="million USD", citation=INFO.citation, extras={"cost_variables": costs})


INFO = DatasetInfo(
    name=NAME,
    title="30 countries, manufacturing 2006, structural-gravity sample of USITC gegravity",
    files=("gravity_sample_2006.csv",),
    loader=load,
    source="examples/sample_data_set.dlm of the gegravity package (USITC, MIT licence)",
    citation="Yotov, Piermartini, Monteiro & Larch (2016), An Advanced Guide to Trade Policy Analysis; "
    "Herman (2021), gegravity.",
    licence="MIT (gegravity)",
)
