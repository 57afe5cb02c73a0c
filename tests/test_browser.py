"""The web app of `tradewar serve` in a real browser: Debian's chromium, headless, driven by
Playwright, against a real uvicorn server on a free loopback port with a temporary DuckDB store
and the shared data. Every request the pages make must stay on that server (no CDN)."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from importlib import resources
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import expect, sync_playwright

from tradewar.data.registry import data_dir
from tradewar.service.app import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SEED = "seed_2019-07.txt"
TIMEOUT = 60_000  # ms, for a run or the war timeline on a loaded machine


class Server:
    """create_app(...) served by uvicorn in a thread on 127.0.0.1:<free port>."""

    def __init__(self, store: Path, token: str | None = None):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        app = create_app(store, data_dir(), token=token)
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        self.http = httpx.Client(base_url=self.url, timeout=60)

    def stop(self):
        self.http.close()
        self.server.should_exit = True
        self.thread.join(10)


def _news_file() -> Path:
    root = data_dir()
    path = root.parent / "news" / SEED if root is not None else None
    assert path is not None and path.is_file(), f"the seed article {SEED} is missing next to the data directory {root}"
    return path


@pytest.fixture(scope="module")
def browser():
    assert shutil.which("chromium") or Path(CHROMIUM).exists(), (
        f"chromium not found at {CHROMIUM}: the browser tests need Debian's chromium; run `make services`")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, require_dataset):
    require_dataset("ignatenko2025")
    s = Server(tmp_path_factory.mktemp("store") / "runs.duckdb")
    yield s
    s.stop()


@pytest.fixture
def page(browser, server):
    """A fresh page (own sessionStorage) that records every request and every page error."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.requests, pg.errors = [], []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    yield pg
    outside = [u for u in pg.requests if not u.startswith((server.url, "data:", "blob:"))]
    context.close()
    assert outside == [], f"the page reached outside the server: {outside}"
    assert pg.errors == [], f"errors in the page: {pg.errors}"


def _shot(page, name):
    Path("/tmp/shots").mkdir(exist_ok=True)
    page.screenshot(path=f"/tmp/shots/{name}.png", full_page=True)


def _wait_for_run(page, message: str = "#message") -> str:
    """The id of the run the page reports as stored."""
    expect(page.locator(message)).to_contain_text("stored as run", timeout=TIMEOUT)
    return re.search(r"run ([0-9a-f]{32})", page.inner_text(message)).group(1)


def _cell(page, table: str, code: str, column: int) -> str:
    return page.locator(f"{table} tbody tr", has=page.locator("td", has_text=re.compile(f"^{code}$"))).locator("td").nth(column).inner_text()


def test_builder_runs_a_scenario_and_shows_map_table_and_matrix(page, server):
    page.goto(server.url + "/")
    expect(page.locator("#tariffs .tariff")).to_have_count(1)
    assert page.input_value("#dataset") == "ignatenko2025"
    page.fill("#name", "browser-usa-chn")
    tariff = page.locator("#tariffs .tariff")
    tariff.locator(".importer").select_option("USA")
    tariff.locator(".exporters").select_option("CHN")
    tariff.locator(".rate").fill("30")
    page.click("#add-retaliation")
    page.locator("#retaliation .against").select_option("USA")
    page.locator("#retaliation .by").select_option("CHN")
    toml = page.input_value("#toml")
    for line in ('name = "browser-usa-chn"', 'importer = "USA"', 'exporters = "CHN"', "rate = 0.3",
                 "[[retaliation]]", 'against = "USA"', 'by = "CHN"', 'rule = "reciprocal"'):
        assert line in toml, (line, toml)
    page.click("#validate")
    expect(page.locator("#message")).to_contain_text("valid: browser-usa-chn")
    page.click("#run")
    run_id = _wait_for_run(page)
    expect(page.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "100")
    stored = server.http.get(f"/runs/{run_id}").json()
    countries = stored["outcome"]["countries"]
    assert len(countries) == 194 and 'rate = 0.3' in stored["scenario_toml"]
    # the map: one shape per country with a value, drawn as SVG paths
    expect(page.locator("#map path.choroplethlocation")).to_have_count(194)
    # the table: a row per country, USA's welfare as stored, sortable by welfare
    rows = page.locator("table.results tbody tr")
    expect(rows).to_have_count(194)
    assert float(_cell(page, "table.results", "USA", 2)) == pytest.approx(countries["USA"]["welfare"], abs=5e-4)
    lowest = min(countries, key=lambda c: countries[c]["welfare"])
    highest = max(countries, key=lambda c: countries[c]["welfare"])
    assert rows.first.locator("td").first.inner_text() == lowest
    page.click("table.results th:has-text('Δ welfare %')")
    assert rows.first.locator("td").first.inner_text() == highest
    # plain bars and plain numbers: no error bars, no bands, no Monte Carlo line
    expect(page.locator("#bars .point")).to_have_count(30)
    expect(page.locator("#bars .errorbar")).to_have_count(0)
    assert page.locator(".mc-summary, table.results .band").count() == 0
    # the bilateral balance matrix: a heatmap with the actors as rows
    expect(page.locator("#matrix .heatmaplayer")).to_have_count(1)
    assert set(stored["outcome"]["bilateral_balance_change"]) == {"USA", "CHN"}
    _shot(page, "builder")


def test_strategy_runs_stream_progress_and_can_be_cancelled(page, server):
    library = Path(str(resources.files("tradewar") / "library" / "scenarios"))
    page.goto(server.url + "/")
    expect(page.locator("#tariffs .tariff")).to_have_count(1)
    # a Nash war of the US and China (cp2015), from the library: a few rounds, each streamed
    page.select_option("#library", "cp2015/us_china_nash")
    expect(page.locator("#toml-state")).to_contain_text("cp2015/us_china_nash from the library")
    assert page.input_value("#toml") == (library / "cp2015" / "us_china_nash.toml").read_text(encoding="utf-8")
    page.click("#run")
    run_id = _wait_for_run(page)
    progress = page.locator("#progress")
    job = server.http.get(f"/jobs/{progress.get_attribute('data-job')}").json()
    rounds = [e for e in job["events"] if e["event"] == "progress"]
    assert job["run_id"] == run_id and len(rounds) >= 2
    assert progress.get_attribute("data-rounds") == str(len(rounds))
    assert server.http.get(f"/runs/{run_id}").json()["scenario_name"] == "cp2015-us-china-nash"
    # the Nash war of all seven Ossa regions, cancelled after its first round: nothing stored
    stored = len(server.http.get("/runs").json())
    page.fill("#toml", (library / "ossa2014" / "nash.toml").read_text(encoding="utf-8"))
    expect(page.locator("#toml-state")).to_contain_text("edited by hand")
    page.click("#run")
    expect(page.locator("#progress .muted")).to_contain_text("round", timeout=TIMEOUT)
    page.click("#cancel")
    expect(page.locator("#message.error")).to_contain_text("run cancelled", timeout=TIMEOUT)
    assert server.http.get(f"/jobs/{progress.get_attribute('data-job')}").json()["state"] == "cancelled"
    assert len(server.http.get("/runs").json()) == stored


def test_article_page_shows_verdicts_and_simulates(page, server):
    text = _news_file().read_text(encoding="utf-8")
    report = server.http.post("/news/read", content=text.encode()).json()
    page.goto(server.url + "/ui/article")
    page.fill("#article", text)
    page.click("#read")
    badges = page.locator("table.events .verdict")
    expect(badges).to_have_count(len(report["events"]))
    assert badges.all_inner_texts() == [e["check"]["verdict"] for e in report["events"]]
    figures = page.locator("table.figures .verdict")
    assert figures.all_inner_texts() == [f["check"]["verdict"] for f in report["figures"]]
    assert {"right", "misattributed", "unverifiable"} <= set(badges.all_inner_texts() + figures.all_inner_texts())
    page.click("#simulate")
    expect(page.locator("table.plan tbody tr")).to_have_count(1)   # the seed's one tariff measure
    run_id = _wait_for_run(page, "#sim-message")
    stored = server.http.get(f"/runs/{run_id}").json()
    assert "mode = \"add\"" in stored["scenario_toml"] and stored["dataset"] == "ignatenko2025"
    expect(page.locator("#results #map path.choroplethlocation")).to_have_count(194)
    _shot(page, "article")
    # the builder's job runner: the bar at 100%, the job that stored the run, a link to its page
    progress = page.locator("#progress")
    expect(progress.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "100")
    assert server.http.get(f"/jobs/{progress.get_attribute('data-job')}").json()["run_id"] == run_id
    expect(page.locator("#sim-message a")).to_have_attribute("href", f"/ui/run?id={run_id}")
    # and its error display: a scenario that does not parse is refused, the bar back at 0
    page.fill("#toml", "this is not TOML")
    page.click("#run")
    expect(page.locator("#sim-message.error")).to_contain_text("422 TOML: ")
    expect(progress.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "0")
    expect(page.locator("#run")).to_be_enabled()
    page.errors.remove("Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)")


def test_runs_page_compares_two_runs(page, server):
    ids = []
    for rate in (0.1, 0.4):
        body = {"name": f"cmp-{rate}", "dataset": "ignatenko2025",
                "tariffs": [{"importer": "USA", "exporters": "all", "rate": rate}]}
        r = server.http.post("/scenarios/run", json=body)
        assert r.status_code == 200, r.text
        ids.append(r.json()["id"])
    page.goto(server.url + "/ui/runs")
    for run_id in ids:
        page.check(f"input.pick[value='{run_id}']")
    page.click("#compare")
    expect(page).to_have_url(re.compile(r"/ui/compare\?a=[0-9a-f]{32}&b=[0-9a-f]{32}$"))
    a, b = re.search(r"a=([0-9a-f]{32})&b=([0-9a-f]{32})", page.url).groups()
    assert (a, b) == tuple(ids)   # a: the older run
    expected = server.http.get("/runs/compare", params={"a": a, "b": b}).json()
    expect(page.locator("table.compare tbody tr")).to_have_count(len(expected["countries"]))
    expect(page.locator("#map path.choroplethlocation")).to_have_count(194)
    usa = expected["countries"]["USA"]["welfare"]
    cells = [float(_cell(page, "table.compare", "USA", k)) for k in (2, 3, 4)]
    assert cells == pytest.approx([usa["a"], usa["b"], usa["difference"]], abs=5e-4)  # shown to 3 decimals
    assert abs(usa["difference"]) > 0.1
    _shot(page, "compare")


def test_war_timeline_page(page, server):
    expected = server.http.get("/war/timeline", params={"world": "ossa2014"}).json()
    page.goto(server.url + "/ui/war")
    expect(page.locator("table.steps tbody tr")).to_have_count(len(expected["steps"]))
    expect(page.locator("table.events tbody tr")).to_have_count(len(expected["events"]))
    expect(page.locator("#rates .scatterlayer .trace")).to_have_count(3)   # both directions + events
    peak = max(s["us_avg"] for s in expected["steps"])
    assert 10 < peak < 30   # the US average on Chinese goods peaked near 17% (2019-09)
    _shot(page, "war")
    # the war on a date, handed to the builder as a scenario, and run there
    page.fill("#date", "2019-09-01")
    page.click("#open-builder")
    expect(page).to_have_url(server.url + "/")
    expect(page.locator("#toml-state")).to_contain_text("loaded from another page")
    assert 'name = "us-china-war-2019-09-01"' in page.input_value("#toml")
    page.click("#run")
    run_id = _wait_for_run(page)
    stored = server.http.get(f"/runs/{run_id}").json()
    assert stored["dataset"] == "ossa2014" and stored["outcome"]["countries"]["CHN"]["welfare"] < 0
    expect(page.locator("table.results tbody tr")).to_have_count(7)


def test_pages_send_the_token_when_the_server_needs_one(browser, tmp_path, require_dataset):
    require_dataset("ignatenko2025")
    s = Server(tmp_path / "runs.duckdb", token="s3cret")
    try:
        r = s.http.get("/", headers={"origin": "https://evil.example"})
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert "access-control-allow-origin" not in {k.lower() for k in r.headers}
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(s.url + "/")
        expect(page.locator("header .token.required")).to_have_count(1)
        expect(page.locator("#tariffs .tariff")).to_have_count(1)
        page.click("#run")
        expect(page.locator("#message.error")).to_contain_text("401")
        page.fill("#token", "s3cret")
        page.click("#run")
        run_id = _wait_for_run(page)
        assert s.http.get(f"/runs/{run_id}").status_code == 200
        context.close()
    finally:
        s.stop()


def test_static_assets_and_web_endpoints(server):
    h = server.http
    import plotly

    shipped = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    js = h.get("/vendor/plotly.min.js")   # httpx asks for gzip
    assert js.headers["content-encoding"] == "gzip" and js.headers["content-type"].startswith("text/javascript")
    assert js.content == shipped and int(js.headers["content-length"]) < len(shipped) / 2
    assert h.get("/vendor/plotly.min.js", headers={"accept-encoding": "identity"}).content == shipped
    geo = h.get("/geo/world.geojson").json()
    codes = {f["id"] for f in geo["features"]}
    world = h.get("/datasets/ignatenko2025/world").json()
    assert {c["code"] for c in world["countries"]} <= codes and len(world["countries"]) == 194
    topo = h.get("/geo/world_110m.json").json()
    assert topo["type"] == "Topology" and len(topo["objects"]["countries"]["geometries"]) == len(codes)
    for path, field, fragment in (("/datasets/..%2E/world", "dataset", "unknown dataset"),
                                  ("/datasets/us_china_2018_2020/world", "dataset", "not 'world'"),
                                  ("/datasets/" + "a" * 300 + "/world", "path.name", "at most 100"),
                                  ("/war/timeline?world=mars", "query.world", "ossa2014")):
        r = h.get(path)
        assert r.status_code == 422 and r.json()["field"] == field and fragment in r.json()["message"], r.text
    assert h.get("/datasets/..%2F..%2Fetc/world").status_code == 404   # no such route: never a file path
    assert h.get("/scenarios/library/cp2015/none").status_code == 404
    for date, fragment in (("2030-01-01", "outside the war"), ("tomorrow", "not a date")):
        r = h.get("/war/scenario", params={"date": date})
        assert r.status_code == 422 and r.json()["field"] == "date" and fragment in r.json()["message"], r.text
    r = h.post("/news/scenario?date=yesterday", content=b"text")
    assert r.status_code == 422 and r.json()["field"] == "date"
    r = h.post("/news/scenario", content=b"Talks will resume next week in Washington between the two sides.")
    assert r.status_code == 422 and "nothing to simulate" in r.json()["message"]


def _median_and_band(text: str) -> list[float]:
    """'-0.016 [-0.07, 0.129]' -> [median, q05, q95]."""
    m = re.fullmatch(r"\s*(\S+)\s*\[(\S+), (\S+)\]\s*", text)
    assert m, f"not 'median [q05, q95]': {text!r}"
    return [float(x.replace(",", "")) for x in m.groups()]


def test_builder_monte_carlo_shows_medians_and_bands(page, server):
    page.goto(server.url + "/")
    expect(page.locator("#tariffs .tariff")).to_have_count(1)
    page.fill("#name", "browser-mc")
    page.locator("#tariffs .rate").fill("30")
    page.click("#add-uncertainty")
    row = page.locator("#uncertainty .uncertain")
    expect(row).to_have_count(1)
    assert row.locator(".param").input_value() == "trade_elasticity"
    row.locator(".sd").fill("0.8")
    page.fill("#draws", "40")
    page.fill("#seed", "7")
    toml = page.input_value("#toml")
    for line in ("[uncertainty.trade_elasticity]", 'dist = "normal"', "mean = 4", "sd = 0.8", "low = 2", "high = 8"):
        assert line in toml, (line, toml)
    page.click("#run")
    run_id = _wait_for_run(page)
    progress = page.locator("#progress")
    expect(progress.locator(".muted")).to_contain_text("40/40 draws")
    assert (progress.get_attribute("data-done"), progress.get_attribute("data-total")) == ("40", "40")
    job = server.http.get(f"/jobs/{progress.get_attribute('data-job')}").json()
    done = [e["done"] for e in job["events"] if e["event"] == "progress"]
    assert job["run_id"] == run_id and done[-1] == 40 and done == sorted(done)
    stored = server.http.get(f"/runs/{run_id}").json()
    out = stored["outcome"]
    assert out["kind"] == "monte_carlo" and (out["draws"], out["seed"]) == (40, 7)
    assert "[uncertainty.trade_elasticity]" in stored["scenario_toml"]
    median, (q05, q95) = out["countries"]["USA"]["welfare"], out["bands"]["USA"]["welfare"]
    assert q05 < median < q95
    countries = {c: m for c, m in out["countries"].items() if c not in out["groups"]}
    assert len(countries) == 194
    for where in ("builder", "run page"):
        # the map: medians, one shape per country; bars with error bars (the bands)
        expect(page.locator("#map path.choroplethlocation")).to_have_count(194)
        expect(page.locator("#bars .errorbar")).to_have_count(30)
        expect(page.locator(".mc-summary")).to_contain_text("40 draws (40 converged), seed 7")
        # the table: USA's welfare as "median [q05, q95]", as stored; sorted by the median
        rows = page.locator("table.results tbody tr")
        expect(rows).to_have_count(194)
        assert _median_and_band(_cell(page, "table.results", "USA", 2)) == pytest.approx([median, q05, q95], abs=5e-4), where
        assert rows.first.locator("td").first.inner_text() == min(countries, key=lambda c: countries[c]["welfare"])
        page.click("table.results th:has-text('Δ welfare %')")
        assert rows.first.locator("td").first.inner_text() == max(countries, key=lambda c: countries[c]["welfare"])
        _shot(page, "mc_builder" if where == "builder" else "mc_run")
        if where == "builder":
            page.goto(server.url + f"/ui/run?id={run_id}")
    # back to the builder with the scenario, its draws and its seed
    page.click("#open-builder")
    expect(page.locator("#toml-state")).to_contain_text("loaded from another page")
    assert page.input_value("#toml") == stored["scenario_toml"]
    assert (page.input_value("#draws"), page.input_value("#seed")) == ("40", "7")


def test_builder_uncertainty_rows_follow_the_model(page, server):
    page.goto(server.url + "/")
    expect(page.locator("#tariffs .tariff")).to_have_count(1)
    page.select_option("#dataset", "ossa2014")
    expect(page.locator("#model")).to_have_value("ossa2014")
    page.click("#add-uncertainty")
    row = page.locator("#uncertainty .uncertain")
    assert row.locator(".param").input_value() == "sigma"
    toml = page.input_value("#toml")
    for line in ("[uncertainty.sigma]", 'mean = "sigma_main"', "cv = 0.1", "low = 1.05"):
        assert line in toml, (line, toml)
    assert int(page.input_value("#draws")) > 0
    page.click("#validate")
    expect(page.locator("#message.ok")).to_contain_text("valid:")
    # uniform per sector: low and high, the mean and cv hidden
    row.locator(".dist").select_option("uniform")
    expect(row.locator(".cv")).to_be_hidden()
    toml = page.input_value("#toml")
    assert 'dist = "uniform"\nper_sector = true\nlow = 1.05\nhigh = 6\n' in toml and "cv =" not in toml, toml
    page.click("#validate")
    expect(page.locator("#message.ok")).to_contain_text("valid:")
    row.locator(".high").fill("")
    page.click("#validate")
    expect(page.locator("#message.error")).to_contain_text("uncertainty.sigma: dist 'uniform' needs high")
    page.errors.remove("Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)")
    # the one-sector model draws trade_elasticity instead
    page.select_option("#model", "one_sector")
    expect(row.locator(".param")).to_have_value("trade_elasticity")
    assert "[uncertainty.trade_elasticity]" in page.input_value("#toml") and "sigma" not in page.input_value("#toml")
    _shot(page, "mc_form")
    # without a row, no [uncertainty] and no draws: an ordinary run
    row.locator("button.danger").click()
    expect(row).to_have_count(0)
    assert "uncertainty" not in page.input_value("#toml") and page.input_value("#draws") == "0"
