"""The web app of ``tradewar serve``: static pages (plain JS, plotly.js served from the installed
``plotly`` package, country shapes from :mod:`.geo`) over the REST API, plus the few read-only
endpoints the pages need (:mod:`.api`). No CDN, no build step: everything is served locally."""

from __future__ import annotations

from tradewar.service.web.pages import mount

__all__ = ["mount"]
