"""Routes of the web app: the pages, their static files, plotly.js and the world shapes.

Every page is ``templates/page.html`` (the one ``<head>``) around its own ``<main>``, built once
when the app is created.

Pages carry a Content-Security-Policy that allows only this server (``'self'``): a page that
tried to reach a CDN would be refused by the browser, as a cross-origin page is refused by the
API (no CORS headers). The large assets (plotly.js, 4.8 MB; the shapes, 0.9 MB) are sent gzipped
to browsers that accept it (compressed once per process)."""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Template

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC = Path(str(resources.files("tradewar.service.web") / "static"))
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}
TEMPLATES = Path(str(resources.files("tradewar.service.web") / "templates"))
#: page path -> (name: its ``<main>`` in templates/NAME.html and its script static/NAME.js, title,
#: whether it draws results: plotly.js and results.js)
PAGES = {"/": ("builder", "scenario builder", True), "/ui/war": ("war", "US–China trade war timeline", True),
         "/ui/article": ("article", "read an article", True), "/ui/runs": ("runs", "runs", False),
         "/ui/run": ("run", "run", True), "/ui/compare": ("compare", "compare runs", True)}
#: every page loads common.js (the shared helpers); a page that draws results, these three
CHART_SCRIPTS = ("/vendor/plotly.min.js", "/static/common.js", "/static/results.js")


def plotly_js() -> Path:
    """``plotly.min.js`` as shipped in the ``plotly`` PyPI package's data."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _plotly_bytes() -> bytes:
    return plotly_js().read_bytes()


def _geojson() -> bytes:
    from tradewar.service.web.geo import world_geojson

    return world_geojson()


def _topojson() -> bytes:
    from tradewar.service.web.geo import world_topojson

    return world_topojson()


#: large assets: URL path -> (loader of the bytes, media type)
ASSETS = {"/vendor/plotly.min.js": (_plotly_bytes, "text/javascript"),
          "/geo/world.geojson": (_geojson, "application/geo+json"),
          "/geo/world_110m.json": (_topojson, "application/json")}


@lru_cache(maxsize=len(ASSETS))
def _gzipped(path: str) -> bytes:
    return gzip.compress(ASSETS[path][0](), compresslevel=6, mtime=0)


def _asset_route(path: str):
    load, media_type = ASSETS[path]

    def asset(request: Request) -> Response:
        headers = {"Cache-Control": "max-age=86400", "Vary": "Accept-Encoding", "X-Content-Type-Options": "nosniff"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(_gzipped(path), media_type=media_type, headers={**headers, "Content-Encoding": "gzip"})
        return Response(load(), media_type=media_type, headers=headers)

    asset.__name__ = "asset_" + path.rsplit("/", 1)[-1].replace(".", "_")
    return asset


def render_pages() -> dict[str, bytes]:
    """Every page: the shared ``templates/page.html`` around its ``<main>``, with its title and scripts."""
    shell = Template((TEMPLATES / "page.html").read_text(encoding="utf-8"))
    out = {}
    for path, (name, title, charts) in PAGES.items():
        scripts = [*(CHART_SCRIPTS if charts else ("/static/common.js",)), f"/static/{name}.js"]
        out[path] = shell.substitute(
            title=title, main=(TEMPLATES / f"{name}.html").read_text(encoding="utf-8").rstrip("\n"),
            scripts="\n".join(f'<script src="{src}" defer></script>' for src in scripts)).encode("utf-8")
    return out


def _page(name: str, html: bytes):
    def page() -> HTMLResponse:
        return HTMLResponse(html, headers=SECURITY_HEADERS)

    page.__name__ = f"page_{name}"
    return page


def mount(app: FastAPI, data=None, token_required: bool = False) -> None:
    """Add the pages, static files and the web app's API endpoints to ``app``."""
    from tradewar.service.web.api import router

    for path, html in render_pages().items():     # read once, here
        app.add_api_route(path, _page(PAGES[path][0], html), methods=["GET", "HEAD"], include_in_schema=False,
                          response_class=HTMLResponse)
    for path in ASSETS:
        app.add_api_route(path, _asset_route(path), methods=["GET"], include_in_schema=False)

    @app.get("/web/config", include_in_schema=False)
    def config() -> dict:
        return {"token_required": token_required}

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    app.include_router(router(data))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
