"""Country codes and product concordances.

Country codes end as ISO3 everywhere. The known traps handled here:

* Namibia's ISO2 code ``NA`` is read as missing by pandas' defaults: every code file is read
  with ``keep_default_na=False`` (only empty cells are missing).
* Kosovo has no ISO 3166 code: ``XKX`` is used (as by the World Bank and the EU); ``KOS`` and
  ``XK``/ numeric 412 in some sources are mapped to it.
* Legacy and aggregate codes (e.g. BACI's 490 "Other Asia, nes", 58 "Belgium-Luxembourg",
  891 "Serbia and Montenegro", 530 "Netherlands Antilles"): not silently merged into a country;
  they are either mapped by the user (``[countries] map``), folded into the rest-of-world region,
  or reported as unmapped with the file and line of the code list.
* Numeric codes are compared as integers (``"058"`` and ``58`` are the same code).

HS codes are strings of two, four or six digits: a file that lost the leading zero (``10121``,
``101``, ``1``) is padded back (``010121``, ``0101``, ``01``). A user concordance may list HS6
codes, HS4 headings or HS2 chapters; a product then gets the sector of its longest listed prefix.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from tradewar.errors import DataError

#: Codes of Kosovo seen in the wild, mapped to the World Bank/EU code XKX.
KOSOVO = {"KOS": "XKX", "XKX": "XKX", "UNK": "XKX"}
#: Legacy ISO3 codes of countries that no longer exist, with no single successor.
LEGACY_ISO3 = {"ANT", "SCG", "YUG", "SUN", "CSK", "DDR", "BLX", "SUD", "ZAR", "TMP", "ROM"}
#: Legacy codes with a single present-day successor.
RENAMED_ISO3 = {"ROM": "ROU", "ZAR": "COD", "TMP": "TLS"}
_ISO3 = re.compile(r"^[A-Z]{3}$")


@lru_cache(maxsize=1)
def converter():
    """A country_converter ``CountryConverter`` whose code table keeps Namibia's ISO2 'NA'.

    country_converter ≤ 1.3.2 reads its own table with pandas' default missing-value markers
    under pandas 3, which turns Namibia's 'NA' into a missing value and fails; the table is
    therefore read here with ``keep_default_na=False`` and passed in.
    """
    try:
        import country_converter as coco
        from country_converter.country_converter import COUNTRY_DATA_FILE
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise DataError("country_converter", "import", "pip install country_converter") from exc
    table = pd.read_csv(COUNTRY_DATA_FILE, sep="\t", encoding="utf-8", dtype=str,
                        keep_default_na=False, na_values=[""])
    for column in ("ISOnumeric", "UNcode", "FAOcode", "GBDcode", "EURO", "UN", "UNmember",
                   "obsolete", "GEOnumeric"):
        if column in table:
            table[column] = pd.to_numeric(table[column], errors="coerce").astype("Int64")
    table = table[table["obsolete"].isna()]
    return coco.CountryConverter(country_data=table)


@lru_cache(maxsize=1)
def iso3_codes() -> frozenset[str]:
    """The current ISO3 codes known to country_converter (plus Kosovo's XKX)."""
    return frozenset(converter().data["ISO3"].dropna().astype(str)) | {"XKX"}


def iso3_from_numeric(codes) -> dict[int, str | None]:
    """UN/ISO numeric codes -> ISO3 (None where unknown)."""
    data = converter().data[["ISOnumeric", "ISO3"]].dropna()
    table = {int(n): str(c) for n, c in zip(data["ISOnumeric"], data["ISO3"])}
    return {int(c): table.get(int(c)) for c in codes}


def numeric_from_iso3(codes) -> dict[str, int | None]:
    """ISO3 -> ISO numeric code (None where unknown); Kosovo gets 412, as in country_converter."""
    data = converter().data[["ISOnumeric", "ISO3"]].dropna()
    table = {str(c): int(n) for n, c in zip(data["ISOnumeric"], data["ISO3"])}
    return {c: table.get(KOSOVO.get(c, c)) for c in codes}


def normalise_iso3(code: str) -> str | None:
    """A code as a current ISO3 code, or None when it is legacy, aggregate or unknown."""
    code = str(code).strip().upper()
    if code in KOSOVO:
        return "XKX"
    if code in RENAMED_ISO3:
        return RENAMED_ISO3[code]
    if code in LEGACY_ISO3:
        return None
    return code if _ISO3.match(code) and code in iso3_codes() else None


def map_country(raw: str, overrides: Mapping[str, str]) -> str | None:
    """A source's country code under the user's ``[countries] map`` / ``[regions]``: the override
    of the code as written, else that of its ISO3 code (so a region listing ``ROU`` also takes a
    legacy ``ROM``), else the ISO3 code; None when it is neither mapped nor a country."""
    base = normalise_iso3(raw) if raw else None
    return overrides.get(raw) or (overrides.get(base, base) if base else None)


def region_members(targets: Iterable[tuple[str, str | None]], regions: Collection[str],
                   rest: str | None) -> dict[str, str | None]:
    """Every source country -> the region it ends in (``rest`` when it is not a region itself,
    None when it is dropped), so that groups follow the aggregation.

    targets : (source code as written, its code under :func:`map_country`) pairs; codes mapped
        to None (legacy or aggregate codes with no country) are left out. A country is keyed by
        its current ISO3 code (a legacy ``ROM`` as ``ROU``), else by the code it was mapped to.
    """
    kept = set(regions)
    return {normalise_iso3(raw) or target: target if target in kept else rest for raw, target in targets if target}


def read_code_file(dataset: str, path: Path, required: list[str]) -> pd.DataFrame:
    """A small code table read as strings, 'NA' kept (Namibia), BOM-tolerant, trimmed."""
    path = Path(path)
    if not path.is_file():
        raise DataError(dataset, path.name, f"file not found: {path}")
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding=encoding)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(dataset, path.name, f"cannot parse {path}: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(dataset, f"{path.name}:{missing[0]}", f"missing column(s) {missing}; found {list(frame.columns)}")
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    return frame


def hs_prefix(values: pd.Series, dataset: str, file: str, column: str, first_line: int = 2) -> pd.Series:
    """HS codes of 2, 4 or 6 digits (a lost leading zero restored: ``1`` → ``01``, ``101`` →
    ``0101``, ``10121`` → ``010121``); errors name file, line and column."""
    text = values.astype(str).str.strip()
    odd = text.str.fullmatch(r"\d|\d{3}|\d{5}")
    text = text.where(~odd, "0" + text)
    bad = ~text.str.fullmatch(r"\d{2}|\d{4}|\d{6}")
    if bad.any():
        rows = (np.flatnonzero(bad.to_numpy()) + first_line)[:8].tolist()
        raise DataError(dataset, f"{file}:{column}", f"not an HS code (2, 4 or 6 digits) at line(s) {rows}: "
                                                    f"{text[bad].tolist()[:8]}")
    return text


def read_hs6_concordance(dataset: str, path: Path, hs_column: str = "hs6",
                         sector_column: str = "sector"):
    """A user concordance file: one row per HS code with its sector (extra columns ignored).

    Codes are HS6; HS2 chapters and HS4 headings are accepted too, and then a product gets the
    sector of its longest listed prefix (a :class:`~tradewar.data.hs_sectors.PrefixConcordance`)."""
    frame = read_code_file(dataset, path, [hs_column, sector_column])
    codes = hs_prefix(frame[hs_column], dataset, Path(path).name, hs_column)
    blank = frame[sector_column].isna() | (frame[sector_column] == "")
    if blank.any():
        rows = (np.flatnonzero(blank.to_numpy()) + 2)[:8].tolist()
        raise DataError(dataset, f"{Path(path).name}:{sector_column}", f"empty sector at line(s) {rows}")
    table = pd.DataFrame({"hs6": codes, "sector": frame[sector_column]})
    clash = table.drop_duplicates().duplicated("hs6", keep=False)
    if clash.any():
        first = table.drop_duplicates()[clash]
        raise DataError(dataset, f"{Path(path).name}:{hs_column}",
                        f"HS6 codes mapped to more than one sector: {sorted(set(first['hs6']))[:8]}")
    if (table["hs6"].str.len() == 6).all():
        return dict(zip(table["hs6"], table["sector"]))
    from tradewar.data.hs_sectors import PrefixConcordance

    return PrefixConcordance(dict(zip(table["hs6"], table["sector"])), f"the concordance {Path(path).name}")
