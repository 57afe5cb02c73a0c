"""The web app's pages (one shared ``<head>`` around each page's ``<main>``, built when the app is
created) and the ``date`` query parameter the two article endpoints share."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tradewar.service.app import create_app
from tradewar.service.web import pages


def test_pages_share_one_head_and_are_read_once(tmp_path, monkeypatch):
    app = create_app(tmp_path / "runs.duckdb")
    monkeypatch.setattr(pages, "TEMPLATES", tmp_path / "gone")     # a page read per request would fail now
    with TestClient(app) as c:
        for path, (name, title, charts) in pages.PAGES.items():
            r = c.get(path)
            assert r.status_code == 200 and r.headers["content-security-policy"] == pages.CSP, path
            html = r.text
            assert html.startswith("<!doctype html>") and html.count("<head>") == 1 and "$" not in html, path
            assert f"<title>tradewar — {title}</title>" in html and html.count("<main>") == 1, path
            scripts = re.findall(r'<script src="([^"]+)" defer></script>', html)
            assert scripts[-1] == f"/static/{name}.js" and "/static/common.js" in scripts, scripts
            assert ("/vendor/plotly.min.js" in scripts) is charts and ("/static/results.js" in scripts) is charts
            for src in scripts:
                if src.startswith("/static/"):
                    assert c.get(src).status_code == 200, src


def test_article_date_is_one_check_naming_field_and_value(tmp_path):
    with TestClient(create_app(tmp_path / "runs.duckdb")) as c:
        for path in ("/news/read", "/news/scenario"):
            r = c.post(path, params={"date": "2019-13-01"}, content=b"x")
            assert r.status_code == 422 and r.json()["field"] == "date", r.text
            assert "'2019-13-01'" in r.json()["message"] and "YYYY-MM-DD" in r.json()["message"], r.text
        paths = c.get("/openapi.json").json()["paths"]
        for path in ("/news/read", "/news/scenario"):
            params = {p["name"]: p for p in paths[path]["post"]["parameters"]}
            assert params["date"]["in"] == "query" and params["date"]["description"] == "YYYY-MM-DD"
