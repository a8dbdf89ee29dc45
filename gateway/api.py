"""Declared HTTP routes: one table that yields both the Starlette routes and the OpenAPI 3.1
document, so the documentation cannot drift from what is served."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.actors import Role
from gateway.problems import Problem

Endpoint = Callable[[Request], Awaitable[Response]]
PATH_PARAM = re.compile(r"{([a-z_]+)}")


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    endpoint: Endpoint
    operation_id: str
    summary: str
    tag: str
    roles: frozenset[Role] | None
    """Roles allowed; ``None`` means no authentication at all (public)."""
    request_model: type[BaseModel] | None = None
    response_model: type[BaseModel] | None = None
    response_status: int = 200
    query_model: type[BaseModel] | None = None
    response_media_type: str = "application/json"
    description: str = ""
    extra_statuses: Sequence[int] = field(default_factory=tuple)
    command: type[BaseModel] | None = None
    """The command a write endpoint carries out (``None`` for reads)."""

    @property
    def path_params(self) -> list[str]:
        return PATH_PARAM.findall(self.path)


def starlette_routes(api: Sequence[ApiRoute]) -> list[Route]:
    return [Route(r.path, r.endpoint, methods=[r.method]) for r in api]


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


_STATUS_TEXT = {
    400: "Malformed request",
    401: "Missing or unknown bearer token",
    403: "The caller's role or agency may not do this",
    404: "No such record",
    409: "A rule of law forbids it (named in `rule`), or a concurrent change won",
    412: "If-Match named a version the record has left (`current_version` says which it is at)",
    413: "Body too large",
    415: "Body is not application/json",
    422: "Invalid request: body not JSON, or fields or headers invalid (listed in `errors`)",
    503: "Event store unavailable",
}


WRITES = ("POST", "PUT", "PATCH")

# The headers a command honours (gateway.http reads them; the patterns are the ones it checks).
COMMAND_HEADERS: list[dict[str, Any]] = [
    {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "pattern": "^[!-~]{1,200}$"},
        "description": "Send a command again with the same key (same caller, same body) and "
        "it answers as the first time did (same status, same body) and writes nothing new; "
        "the same key with another body is 422 idempotency-key-reused.",
    },
    {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "pattern": '^(\\*|"(0|[1-9][0-9]*)")$'},
        "description": "The record's version the command was decided on, as its ETag gives it "
        '(e.g. "3"): refused 412 concurrent-change, writing nothing, if the record has changed '
        "since. Without it a command that lost a race is decided again on the current state.",
    },
    {
        "name": "X-Correlation-ID",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,100}$"},
        "description": "Recorded on every event the command writes (default: a new random id).",
    },
]

_ETAG = {
    "description": "The record's version, for If-Match",
    "schema": {"type": "string"},
}


def _path_schema(name: str, model: type[BaseModel] | None) -> dict[str, Any]:
    """A path parameter's schema: the command field's it fills, else a uuid for ids."""
    if model is not None and name in model.model_fields:
        found: dict[str, Any] = model.model_json_schema()["properties"][name]
        return {k: v for k, v in found.items() if k != "title"}
    if name == "id" or name.endswith("_id"):
        return {"type": "string", "format": "uuid"}
    return {"type": "string"}


def openapi_document(api: Sequence[ApiRoute], *, title: str, version: str) -> dict[str, Any]:
    models: set[type[BaseModel]] = {Problem}
    for r in api:
        for m in (r.request_model, r.response_model, r.query_model):
            if m is not None:
                models.add(m)
    ordered = sorted(models, key=lambda m: m.__name__)
    keys: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [
        (m, "validation") for m in ordered
    ]
    refs, defs = models_json_schema(keys, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return dict(refs[(model, "validation")])

    paths: dict[str, dict[str, Any]] = {}
    for r in api:
        operation: dict[str, Any] = {
            "operationId": r.operation_id,
            "summary": r.summary,
            "tags": [r.tag],
        }
        if r.description:
            operation["description"] = r.description
        if r.roles is not None:
            operation["security"] = [{"bearer": []}]
            operation["x-roles"] = sorted(role.value for role in r.roles)
        else:
            operation["security"] = []
        params: list[dict[str, Any]] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": _path_schema(name, r.request_model),
            }
            for name in r.path_params
        ]
        command = r.command is not None
        if r.command is not None:
            operation["x-command"] = r.command.__name__
            params.extend(COMMAND_HEADERS)
        if r.query_model is not None:
            for name, info in r.query_model.model_fields.items():
                q_schema = r.query_model.model_json_schema()["properties"][name]
                params.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": info.is_required(),
                        "schema": q_schema,
                        "description": info.description or "",
                    }
                )
        if params:
            operation["parameters"] = params
        if r.request_model is not None and r.method in WRITES:
            body_schema = _without(schemas, r.request_model, ref(r.request_model), r.path_params)
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": body_schema}},
            }
        responses: dict[str, Any] = {}
        ok: dict[str, Any] = {"description": "OK" if r.response_status == 200 else "Created"}
        if r.response_model is not None:
            ok["content"] = {r.response_media_type: {"schema": ref(r.response_model)}}
        elif r.response_media_type != "application/json":
            ok["content"] = {r.response_media_type: {"schema": {"type": "string"}}}
        else:
            ok["content"] = {"application/json": {"schema": {"type": "object"}}}
        if r.method == "GET" and r.tag == "records":
            ok["headers"] = {"ETag": _ETAG}
        responses[str(r.response_status)] = ok
        if command:
            # What a command answers depends on what it did, and a replay answers the same.
            ok["description"] = "Created a record (its GET URL in Location)"
            ok["headers"] = {
                "Location": {"description": "The record's URL", "schema": {"type": "string"}},
                "ETag": _ETAG,
            }
            responses["200"] = {
                "description": "Changed an existing record",
                "headers": {"ETag": _ETAG},
                "content": ok.get("content", {}),
            }
        statuses = set(r.extra_statuses) | {422, 503}
        if r.roles is not None:
            statuses |= {401, 403}
        if r.path_params:
            statuses.add(404)
        if r.method in WRITES:
            # A command names other records (an agency, officers …) that may not exist: 404.
            statuses |= {404, 409, 413, 415}
        if command:
            statuses.add(412)
        for status in sorted(statuses):
            responses[str(status)] = _problem_response(_STATUS_TEXT.get(status, "Error"))
        operation["responses"] = responses
        paths.setdefault(r.path, {})[r.method.lower()] = operation

    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _without(
    schemas: dict[str, Any], model: type[BaseModel], ref: dict[str, Any], drop: list[str]
) -> dict[str, Any]:
    """The body schema of ``model`` without the fields carried in the path."""
    if not drop:
        return ref
    name = ref["$ref"].rsplit("/", 1)[-1]
    body_name = f"{name}Body"
    if body_name not in schemas:
        full = dict(schemas[name])
        props = {k: v for k, v in full.get("properties", {}).items() if k not in drop}
        required = [k for k in full.get("required", []) if k not in drop]
        body = {**full, "properties": props, "title": body_name}
        if required:
            body["required"] = required
        else:
            body.pop("required", None)
        schemas[body_name] = body
    return {"$ref": f"#/components/schemas/{body_name}"}
