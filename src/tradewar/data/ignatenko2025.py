"""Loader for the data of Ignatenko, Macedoni, Lashkaripour & Simonovska (2025).

194 countries; 2023 bilateral goods trade (CEPII BACI HS22 V202501, thousand US$, FOB), GDP
(WDI NY.GDP.MKTP.CD), and the US tariffs announced on 2 April 2025. Flows have no domestic
(diagonal) entries: the model builds domestic absorption from GDP.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tradewar.data.csvutil import pairs_to_array, read_csv
from tradewar.data.registry import DatasetInfo
from tradewar.errors import DataError
from tradewar.world import World

NAME = "ignatenko2025"


def load(folder: Path) -> World:
    countries = read_csv(NAME, folder / "countries.csv", {
        "country_id": "int", "iso3": "str", "country_name": "str", "gdp_usd": "float",
        "eu27": "int", "eu_in_model_code": "int",
    })
    tariffs = read_csv(NAME, folder / "us_tariffs_2025.csv", {
        "iso3": "str", "applied_tariff": "float", "model_tariff": "float", "formula_rate": "float",
    })
    flows = read_csv(NAME, folder / "trade_flows_2023.csv", {
        "exporter_iso3": "str", "importer_iso3": "str", "value_kusd": "float",
    })
    countries = countries.sort_values("country_id")
    codes = countries["iso3"].tolist()
    unknown = sorted(set(tariffs["iso3"]) - set(codes))
    if unknown:
        raise DataError(NAME, "us_tariffs_2025.csv:iso3", f"unknown country codes {unknown[:8]}")
    diag = flows["exporter_iso3"] == flows["importer_iso3"]
    if diag.any():
        raise DataError(NAME, "trade_flows_2023.csv", "domestic (diagonal) flows are not expected in this dataset")
    table = pd.DataFrame({
        "name": countries["country_name"].to_numpy(),
        "gdp": countries["gdp_usd"].to_numpy() / 1000.0,  # thousand US$, the unit of the flows
    }, index=pd.Index(codes, name="iso3"))
    extra = tariffs.drop_duplicates("iso3").set_index("iso3")[["applied_tariff", "model_tariff", "formula_rate"]]
    table = table.join(extra)
    array = pairs_to_array(NAME, "trade_flows_2023.csv", flows, codes, "exporter_iso3", "importer_iso3", "value_kusd")
    groups = {
        "EU27": tuple(countries.loc[countries["eu27"] == 1, "iso3"]),
        # The replication code's EU list omits Czechia and Slovakia; the published EU rows use it.
        "EU-paper": tuple(countries.loc[countries["eu_in_model_code"] == 1, "iso3"]),
    }
    return World(
        name=NAME, countries=table, sectors=("goods",), flows=array, groups=groups,
        units="thousand USD", citation=INFO.citation,
    )


INFO = DatasetInfo(
    name=NAME,
    title="194 countries, 2023 goods trade (BACI), GDP (WDI), April 2025 US tariffs",
    files=("countries.csv", "trade_flows_2023.csv", "us_tariffs_2025.csv"),
    loader=load,
    source="replication package of Ignatenko et al. (2025); BACI HS22 V202501 (cepii.fr), "
    "WDI NY.GDP.MKTP.CD (data.worldbank.org)",
    citation="Ignatenko, Macedoni, Lashkaripour & Simonovska (2025), 'Making America Great Again? "
    "The Economic Impacts of Liberation Day Tariffs', Journal of International Economics.",
    licence="BACI: Etalab Open Licence 2.0; WDI: CC BY 4.0",
)
