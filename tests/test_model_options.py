"""Model options of A.3 that have no published target: each runs, converges and behaves as the
economics says."""

from __future__ import annotations

import numpy as np
import pytest

from tradewar import Scenario, run
from tradewar.data import load_dataset
from tradewar.models.one_sector_model import OneSectorModel
from tradewar.policy import Policy, resolve

US_CHINA = """
name = "t"
dataset = "{dataset}"
[model]
name = "one_sector"
{model}
{deficits}
[[tariffs]]
importer = "USA"
exporters = "CHN"
rate = 0.25
"""


def scenario(model: str = "", deficits: str = "", dataset: str = "ignatenko2025") -> Scenario:
    return Scenario.from_text(US_CHINA.format(model=model, deficits=deficits, dataset=dataset))


def test_balanced_bilateral_closure_with_continuation():
    out = run(scenario(deficits='[deficits]\nclosure = "balanced_bilateral"\npartner = "USA"'))
    d = out.diagnostics
    assert d.converged and d.continuation_steps >= 1
    assert abs(d.dropped_equation_residual) < 1e-8
    base = run(scenario())
    # a different closure gives a different, but same-signed, answer for the two protagonists
    for c in ("USA", "CHN"):
        assert np.sign(out.countries.loc[c, "imports_gdp"]) == np.sign(base.countries.loc[c, "imports_gdp"])
    assert out.countries.loc["USA", "welfare"] != pytest.approx(base.countries.loc["USA", "welfare"], abs=1e-6)


def test_eaton_kortum_krugman_variant():
    world = load_dataset("ignatenko2025")
    model = OneSectorModel(world, variant="eaton_kortum_krugman")
    assert np.all(model.baseline.nu == 0) and np.all(model.baseline.phi == 1)
    np.testing.assert_allclose(model.baseline.Y, model.baseline.X.sum(axis=1))
    out = model.solve(resolve(scenario('variant = "eaton_kortum_krugman"'), world, model))
    assert out.diagnostics.converged
    assert out.countries.loc["CHN", "welfare"] < 0


def test_explicit_psi_and_phi_tilde_equal_derived_values():
    world = load_dataset("ignatenko2025")
    derived = OneSectorModel(world, trade_elasticity=6.0, derive_at_elasticity=4.0, nu=0.2)
    explicit = OneSectorModel(world, trade_elasticity=6.0, psi=0.67 / 4, nu=0.2,
                              phi_tilde=float(derived.baseline.phi[0] - 1))
    assert derived.baseline.psi == pytest.approx(0.1675)
    policy = resolve(scenario(), world, derived)
    a, b = derived.solve(policy), explicit.solve(policy)
    np.testing.assert_allclose(a.countries["welfare"], b.countries["welfare"], atol=1e-10)
    assert not np.allclose(a.countries["welfare"], run(scenario("trade_elasticity = 6.0")).countries["welfare"])


@pytest.mark.parametrize("c", [1.0, 0.5, 0.25])
def test_pass_through_constant(c):
    out = run(scenario(f"pass_through = {c}"))
    assert out.diagnostics.converged
    assert out.countries.loc["USA", "prices"] > 0


def test_higher_trade_elasticity_means_bigger_trade_response():
    low = run(scenario("trade_elasticity = 3.0"))
    high = run(scenario("trade_elasticity = 8.0"))
    imports = "imports_gdp"
    assert high.countries.loc["USA", imports] < low.countries.loc["USA", imports] < 0


def test_gegravity_world_with_domestic_flows():
    world = load_dataset("gegravity_sample")
    model = OneSectorModel(world, nu=0.2)
    np.testing.assert_allclose(np.diag(model.baseline.X), np.diag(world.flows[:, :, 0]))
    out = model.solve(resolve(scenario(dataset="gegravity_sample"), world, model))
    assert out.diagnostics.converged and out.countries.loc["USA", "imports_gdp"] < 0


def test_bilateral_outputs_are_consistent():
    out = run(scenario())
    b = out.bilateral
    bal = out.balance("USA", "CHN")
    assert bal["change"] == pytest.approx(bal["counterfactual"] - bal["baseline"])
    x1 = b["trade_counterfactual"]
    assert float(b["balance_counterfactual"].sel(country="USA", partner="CHN")) == pytest.approx(
        float(x1.sel(exporter="USA", importer="CHN") - x1.sel(exporter="CHN", importer="USA")))
    # the country deficit is the sum of its bilateral deficits
    total = -float(b["balance_counterfactual"].sel(country="USA").sum())
    assert total == pytest.approx(out.countries.loc["USA", "deficit_counterfactual"], rel=1e-9)
    assert float(b["trade_change"].sel(exporter="CHN", importer="USA")) < -20


def test_zero_tariff_policy_on_real_world_is_the_baseline():
    world = load_dataset("ignatenko2025")
    model = OneSectorModel(world)
    out = model.solve(Policy.baseline(world))
    pct = ["welfare", "deficit", "exports_gdp", "imports_gdp", "employment", "prices", "real_wage"]
    assert np.abs(out.countries[pct].to_numpy()).max() < 1e-7
    assert out.diagnostics.iterations == 0


def test_own_long_format_dataset_in_the_data_directory(tmp_path):
    """A folder <data>/<name>/ with flows.csv and countries.csv is a dataset scenarios can name."""
    import subprocess
    import sys

    folder = tmp_path / "mini"
    folder.mkdir()
    codes = ["USA", "CHN", "MEX", "DEU"]
    rows = ["exporter,importer,value"] + [f"{a},{b},{10 + 3 * i + j}" for i, a in enumerate(codes)
                                          for j, b in enumerate(codes) if a != b]
    (folder / "flows.csv").write_text("\n".join(rows) + "\n")
    (folder / "countries.csv").write_text("iso3,gdp\nUSA,500\nCHN,400\nMEX,90\nDEU,200\n")
    path = tmp_path / "s.toml"
    path.write_text('name = "mini"\ndataset = "mini"\n[model]\nname = "one_sector"\nnu = 0.2\n'
                    '[[tariffs]]\nimporter = "USA"\nexporters = "CHN"\nrate = 0.25\n')
    out = run(path, data=tmp_path)
    assert out.diagnostics.converged and out.countries.loc["CHN", "welfare"] < 0
    listing = subprocess.run([sys.executable, "-m", "tradewar.cli", "datasets", "--data", str(tmp_path)],
                             capture_output=True, text=True).stdout
    assert "mini" in listing
    bad = tmp_path / "bad.toml"
    bad.write_text(path.read_text().replace('dataset = "mini"', 'dataset = "../mini"'))
    with pytest.raises(Exception, match="dataset"):
        run(bad, data=tmp_path)


def test_floored_domestic_absorption_is_reported():
    """A.1: X_ii = max(E_i − M_i, 0). Where GDP plus transfers fall below imports the floor binds
    (Gambia and the Marshall Islands in the paper's data), and the outcome says so."""
    out = run(scenario())
    note = next(n for n in out.notes if "domestic absorption" in n)
    assert "floored at 0 for GMB, MHL" in note
    model = OneSectorModel(load_dataset("ignatenko2025"))
    b = model.baseline
    floored = [c for c, x in zip(model.world.iso3, np.diag(b.X)) if x == 0]
    assert floored == list(b.floored) == ["GMB", "MHL"]
