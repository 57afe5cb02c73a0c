"""Non-tariff measures (tradewar.measures): export controls and purchase commitments in the
scenario format, on the Ossa and the 194-country worlds, and Phase One's purchase goals."""

from __future__ import annotations

import numpy as np
import pytest

from tradewar.data.registry import REGISTRY, data_dir
from tradewar.errors import ScenarioError
from tradewar.scenario import Scenario

ROOT = data_dir()
assert ROOT is not None and not REGISTRY.info("ossa2014").missing_files(ROOT), "ossa2014 data not available"
OSSA = {"name": "ossa2014", "weights": "welfare", "sigma": "sigma_main"}


def _run(spec):
    from tradewar.run import run

    return run(Scenario.from_dict({"name": "t", "dataset": "ossa2014", "model": OSSA, **spec}))


def test_schema_checks():
    with pytest.raises(ScenarioError, match="needs a 'cost'"):
        Scenario.from_dict({"name": "x", "dataset": "ossa2014",
                            "export_controls": [{"exporter": "USA", "importers": "CHN", "kind": "iceberg"}]})
    with pytest.raises(ScenarioError, match="only used with kind = 'iceberg'"):
        Scenario.from_dict({"name": "x", "dataset": "ossa2014",
                            "export_controls": [{"exporter": "USA", "cost": 0.2}]})
    with pytest.raises(ScenarioError, match="purchase_commitments\\[0\\].target"):
        Scenario.from_dict({"name": "x", "dataset": "ossa2014",
                            "purchase_commitments": [{"importer": "CHN", "partner": "USA", "target": -1}]})
    with pytest.raises(ScenarioError, match="unknown sector"):
        _run({"export_controls": [{"exporter": "USA", "importers": "CHN", "sectors": ["chips"]}]})


def test_prohibitive_export_control_shuts_the_route():
    base = _run({})
    out = _run({"export_controls": [{"exporter": "USA", "importers": "CHN", "sectors": ["ele"]}]})
    tc0 = base.extras["trade_counterfactual"].sel(exporter="USA", importer="CHN", sector="ele").item()
    tc1 = out.extras["trade_counterfactual"].sel(exporter="USA", importer="CHN", sector="ele").item()
    assert tc1 / tc0 < 0.01                                   # the route is (almost) shut
    # China buys its electronics elsewhere: imports from third countries rise
    others = ["EU", "JPN", "ROW"]
    x0 = base.extras["trade_counterfactual"].sel(exporter=others, importer="CHN", sector="ele").sum().item()
    x1 = out.extras["trade_counterfactual"].sel(exporter=others, importer="CHN", sector="ele").sum().item()
    assert x1 > x0
    assert out.countries.loc["CHN", "welfare"] < 0 and any("prohibitive" in n for n in out.notes)


def test_iceberg_cost_is_a_tariff_equivalent():
    ice = _run({"export_controls": [{"exporter": "USA", "importers": "CHN", "sectors": ["ome"],
                                     "kind": "iceberg", "cost": 0.3}]})
    tar = _run({"tariffs": [{"importer": "CHN", "exporters": "USA", "sectors": ["ome"], "rate": 0.3, "mode": "add"}]})
    np.testing.assert_allclose(ice.countries["welfare"], tar.countries["welfare"], atol=1e-10)
    assert any("overstated" in n for n in ice.notes)


def test_purchase_commitment_holds_target_and_reports_shadow_wedge():
    from tradewar.data import load_dataset
    from tradewar.policy import resolve
    from tradewar.run import model_for
    from tradewar.measures import apply_purchase_commitments

    sectors = ["osd", "gro", "wht", "v_f"]
    sc = Scenario.from_dict({"name": "pc", "dataset": "ossa2014", "model": OSSA,
                             "purchase_commitments": [{"importer": "CHN", "partner": "USA", "sectors": sectors,
                                                       "target": 1.6}]})
    model = model_for(sc)
    policy, shadow = apply_purchase_commitments(sc, model, resolve(sc, model.world, model))
    (label, tau), = shadow.items()
    assert -0.9 < tau < 0                                  # buying more needs an import subsidy
    out = model.solve(policy)
    w = load_dataset("ossa2014")
    secs = [w.sectors.index(s) for s in sectors]
    i, p = w.iso3.index("CHN"), w.iso3.index("USA")
    got = out.extras["trade_counterfactual"].values[p, i, secs].sum()
    assert got == pytest.approx(1.6 * w.flows[p, i, secs].sum(), rel=1e-7)
    # a restraint (target below baseline) needs a positive wedge
    sc2 = sc.model_copy(update={"purchase_commitments": [sc.purchase_commitments[0].model_copy(update={"target": 0.8})]})
    _, shadow2 = apply_purchase_commitments(sc2, model, resolve(sc2, model.world, model))
    assert list(shadow2.values())[0] > 0


def test_phase_one_on_both_worlds():
    from tradewar.run import run
    from tradewar.war.scenarios import phase_one_commitments, scenario_at

    commits, notes = phase_one_commitments("ossa2014")
    assert sorted(c["target"] for c in commits) == pytest.approx([1.596096, 1.656013], abs=1e-6)
    assert any("Energy" in n and "left out" in n for n in notes)
    for world in ("ossa2014", "ignatenko2025"):
        war = run(scenario_at("2020-03-01", world))
        deal = run(scenario_at("2020-03-01", world, phase_one=True))
        assert deal.bilateral["trade_change"].sel(exporter="USA", importer="CHN").item() > \
            war.bilateral["trade_change"].sel(exporter="USA", importer="CHN").item()
        assert all("shadow tariff-equivalent" in n for n in deal.notes if "purchase" in n)


def test_cli_validate_ntm_toml(tmp_path):
    from typer.testing import CliRunner

    from tradewar.cli import app

    f = tmp_path / "ec.toml"
    f.write_text('name = "ec"\ndataset = "ossa2014"\n[model]\nname = "ossa2014"\n'
                 '[[export_controls]]\nexporter = "USA"\nimporters = "CHN"\nsectors = ["ele"]\n')
    res = CliRunner().invoke(app, ["run", str(f), "--json"])
    assert res.exit_code == 0, res.output
    assert "prohibitive" in res.output
