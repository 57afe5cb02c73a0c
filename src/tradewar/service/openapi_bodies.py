"""Request bodies in the OpenAPI schema for the endpoints that read the raw body (a scenario as
JSON or TOML, an article as text), so that clients and API fuzzers know what to send."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

SCENARIO_PATHS = (("/scenarios/validate", "post"), ("/scenarios/run", "post"), ("/jobs", "post"))
TEXT_PATHS = (("/news/read", "post"), ("/news/scenario", "post"))


def document_bodies(app: FastAPI) -> None:
    """Make ``app.openapi()`` describe the scenario and article bodies."""

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        from tradewar.scenario import Scenario

        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        scenario = Scenario.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(scenario.pop("$defs", {}))
        components["Scenario"] = scenario
        text = {"schema": {"type": "string"}}
        for path, method in SCENARIO_PATHS:
            _body(schema, path, method, "A scenario, as JSON or as TOML text.",
                  {"application/json": {"schema": {"$ref": "#/components/schemas/Scenario"}},
                   "application/toml": text})
        for path, method in TEXT_PATHS:
            _body(schema, path, method, "The article's text.", {"text/plain": text})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi


def _body(schema: dict, path: str, method: str, description: str, content: dict) -> None:
    operation = schema.get("paths", {}).get(path, {}).get(method)
    if operation is not None and "requestBody" not in operation:
        operation["requestBody"] = {"required": True, "description": description, "content": content}
