"""REST API over tradewar (FastAPI): ``tradewar serve``; see :func:`tradewar.service.app.create_app`."""
