"""Country groups of a built World, carried through the aggregation of countries into regions.

A spec's ``[groups]`` names groups by their member countries (ISO3 codes as in the source, or
codes of the built World), or by a standard group (``EU = "EU27"``, see :data:`STANDARD`). When
countries are merged into regions (``[regions]``, ``[countries] map`` or ``rest``), each group is
rewritten in terms of the built World's regions:

* a country kept as itself stays in the group;
* a region all of whose merged countries are in the group replaces them (``EU27`` with the 27
  countries merged into ``EU`` becomes ``("EU",)``);
* a region only part of whose countries are in the group is an error by default, naming the
  group, the region and the countries inside and outside; ``[countries] partial_groups``
  chooses ``"drop"`` (the region is left out of the group) or ``"include"`` (the whole region
  is in the group) instead; either choice is reported;
* a country of the group that is not in the built World (absent from the source, or dropped
  because it is neither kept nor folded into ``rest``) is left out and reported; a group left
  with no member is an error, and so is a code that is neither a current ISO3 code nor a code
  of the World.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tradewar.errors import DataError

#: Standard groups a spec may name (membership as of 2025).
STANDARD: dict[str, tuple[str, ...]] = {
    "EU27": ("AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL",
             "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE"),
    "G7": ("CAN", "FRA", "DEU", "ITA", "JPN", "GBR", "USA"),
    "USMCA": ("USA", "MEX", "CAN"),
    "ASEAN": ("BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"),
    "MERCOSUR": ("ARG", "BRA", "PRY", "URY"),
}
RULES = ("error", "drop", "include")


def spec_groups(raw: Mapping[str, object], source: str) -> dict[str, list[str]]:
    """The ``[groups]`` section: lists of codes, or the name of a standard group."""
    out = {}
    for name, value in raw.items():
        if isinstance(value, str):
            key = next((k for k in STANDARD if k.lower() == value.lower()), None)
            if key is None:
                raise DataError(source, f"groups.{name}", f"unknown standard group {value!r}; known: {sorted(STANDARD)}")
            out[str(name)] = list(STANDARD[key])
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            out[str(name)] = [v.strip() for v in value]
        else:
            raise DataError(source, f"groups.{name}", f"must be a non-empty list of country codes or the name of a "
                                                      f"standard group, got {value!r}")
    return out


def resolve_groups(groups: Mapping[str, Sequence[str]], members: Mapping[str, str | None],
                   regions: Sequence[str], rule: str = "error", source: str = "spec"
                   ) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Groups of source countries -> groups of the built World's regions, with a report.

    members : every source country (ISO3 code, or the code it was mapped to) -> the region it
        ends in, or None when it was dropped.
    regions : the built World's codes.
    rule : what to do with a region only partly in a group: "error", "drop" or "include".
    """
    from tradewar.data.concordance import normalise_iso3

    if rule not in RULES:
        raise DataError(source, "countries.partial_groups", f"must be one of {list(RULES)}, not {rule!r}")
    inside: dict[str, set[str]] = {}
    for country, region in members.items():
        if region is not None:
            inside.setdefault(region, set()).add(country)
    known = set(regions)
    out: dict[str, tuple[str, ...]] = {}
    notes: list[str] = []
    for name, codes in groups.items():
        chosen: list[str] = []
        absent: list[str] = []
        given = {normalise_iso3(c) or c for c in codes}
        for code in codes:
            country = normalise_iso3(code) or code
            if country in members:
                region = members[country]
            elif code in known:
                region = code  # a code of the built World (e.g. a region named in the spec)
                given |= inside.get(code, set())
            elif normalise_iso3(code) is not None:
                region = None
            else:
                raise DataError(source, f"groups.{name}", f"{code!r} is neither a current ISO3 code nor a code of "
                                                          f"the built World {sorted(known)[:12]}")
            if region is None:
                absent.append(country)
            elif region not in chosen:
                chosen.append(region)
        kept = []
        for region in chosen:
            merged = inside.get(region, {region})
            outside = sorted(merged - given)
            if not outside:
                kept.append(region)
                continue
            within = sorted(merged & given)
            if rule == "error":
                raise DataError(source, f"groups.{name}",
                                f"region {region} merges {len(merged)} countries of which only {within[:8]} are in "
                                f"the group (not {outside[:8]}{' …' if len(outside) > 8 else ''}); merge exactly the "
                                f"group's countries, or set [countries] partial_groups = \"drop\" or \"include\"")
            notes.append(f"group {name}: region {region} is only partly in it ({len(within)} of {len(merged)} "
                         f"countries): {'left out' if rule == 'drop' else 'included whole'} (partial_groups = {rule!r})")
            if rule == "include":
                kept.append(region)
        if absent:
            notes.append(f"group {name}: {len(absent)} countries not in the built World left out: {sorted(absent)[:8]}")
        if not kept:
            raise DataError(source, f"groups.{name}", "no member left in the built World")
        if kept != [normalise_iso3(c) or c for c in codes]:
            notes.append(f"group {name}: {len(codes)} countries → {kept[:8]}{' …' if len(kept) > 8 else ''}")
        out[name] = tuple(kept)
    return out, notes
