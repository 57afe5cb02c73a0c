"""Ossa (2014) Tables 3 (optimal tariffs) and 4 (Nash tariffs), panels a and b, cell by cell
from the target files, computed by the engine from the library scenarios through the strategy
layer. Panel c needs data of other σ versions that are not shared (listed in the specs).

Known mismatches are marked ``xfail(strict=True)`` with the evidence; tolerances are the
printed precision (1 decimal) everywhere. All of them are medians of a region's 198 tariffs:
many of the tariffs near the median rank are tariffs on tiny flows (down to 1e-9 of the
importer's expenditure), where welfare is flat to machine precision, so the published medians
depend on where Ossa's optimiser left those tariffs. Ours satisfy every first-order condition
to a diagonal-Newton step of 1e-7 and do not depend on the start (EU's optimal tariffs from the
factual, zero and MFN-optimal tariffs: median 61.463 each, published 61.3; JPN from factual,
100% and MFN-optimal: 59.412, published 59.6); every welfare, wage and profit cell matches.
"""

from __future__ import annotations

import json

import pytest

from tradewar.replicate import replicate, targets_dir

MEDIAN = ("median of 198 tariffs, decided by tariffs on tiny flows where welfare is flat "
          "(see module docstring); computed {:.2f}")
KNOWN = {
    3: {("OPT_BAS", "EU", "median_tariff"): 61.46, ("OPT_BAS", "JPN", "median_tariff"): 59.41,
        ("OPT_BAS", "ROW", "median_tariff"): 61.43, ("OPT_BAS", "AVG", "median_tariff"): 58.85,
        ("OPT_POL", "BRA", "median_tariff"): 54.26, ("OPT_POL", "JPN", "median_tariff"): 77.34},
    4: {("NASH_BAS", "CHN", "median_tariff"): 58.69, ("NASH_BAS", "EU", "median_tariff"): 59.67,
        ("NASH_BAS", "IND", "median_tariff"): 53.91, ("NASH_BAS", "JPN", "median_tariff"): 58.22,
        ("NASH_BAS", "AVG", "median_tariff"): 58.03, ("NASH_POL", "BRA", "median_tariff"): 54.78,
        ("NASH_POL", "IND", "median_tariff"): 53.98, ("NASH_POL", "JPN", "median_tariff"): 77.39,
        ("NASH_POL", "ROW", "median_tariff"): 68.29, ("NASH_POL", "USA", "median_tariff"): 56.37,
        ("NASH_POL", "AVG", "median_tariff"): 63.30},
}
PANEL_C = ("low_sigma_BAS", "med_sigma_BAS", "high_sigma_BAS", "low_sigma_POL", "med_sigma_POL", "high_sigma_POL")


def _target(table: int) -> dict:
    tdir = targets_dir()
    assert tdir is not None, "published targets not found: set TRADEWAR_TARGETS or keep ../shared beside the repo"
    return json.loads((tdir / f"ossa2014_table{table}.json").read_text())


@pytest.fixture(scope="module")
def computed():
    out = {}
    for t in (3, 4):
        cells, info = replicate("ossa2014", t)
        out[t] = ({(c.scenario, c.row, c.column): c for c in cells}, info)
    return out


def _cells():
    for t in (3, 4):
        for cell in _target(t)["cells"]:
            if cell["row"] in PANEL_C:
                continue
            key = (cell["scenario"], cell["row"], cell["column"])
            marks = ()
            if key in KNOWN[t]:
                marks = pytest.mark.xfail(strict=True, reason=MEDIAN.format(KNOWN[t][key]))
            yield pytest.param(t, cell, id=f"T{t}-{'-'.join(key)}", marks=marks)


@pytest.mark.parametrize("table, published", list(_cells()))
def test_cell_reproduced_at_printed_precision(computed, table, published):
    cell = computed[table][0][(published["scenario"], published["row"], published["column"])]
    assert abs(cell.value - published["value"]) <= 0.05 + 1e-12, (
        f"computed {cell.value:.4f}, published {published['value']}")


@pytest.mark.parametrize("table", (3, 4))
def test_every_target_cell_of_panels_a_and_b_is_computed(computed, table):
    wanted = {(c["scenario"], c["row"], c["column"]) for c in _target(table)["cells"] if c["row"] not in PANEL_C}
    assert wanted == set(computed[table][0])
    assert any("panel c needs the data" in n for n in computed[table][1]["notes"])


def test_strategy_work_is_reported(computed):
    notes = computed[3][1]["notes"] + computed[4][1]["notes"]
    assert sum("optimal tariffs" in n and "converged" in n for n in notes) == 14
    assert not any("NOT converged (" in n for n in notes if "optimal tariffs" in n)
    nash = [n for n in computed[4][1]["notes"] if "Nash tariffs" in n]
    assert len(nash) == 2 and all("max gain from a unilateral deviation" in n for n in nash)


def test_converged_nash_is_an_equilibrium():
    """The library's converged Nash (not the paper's one-round stop): no region gains from a
    unilateral deviation."""
    from tradewar import run

    out = run("ossa2014/nash")
    note = next(n for n in out.notes if "Nash tariffs" in n)
    gain = float(note.split("max gain from a unilateral deviation ")[1].split(";")[0])
    assert "converged after" in note and abs(gain) < 1e-9
    assert out.countries["government_welfare"].mean() == pytest.approx(-2.4, abs=0.05)
