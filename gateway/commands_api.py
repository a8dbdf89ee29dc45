"""One endpoint per command, generated from the command classes' declarations."""

from __future__ import annotations

import re
from functools import cache
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response

from domain.application import HANDLERS
from domain.application import Request as CommandRequest
from domain.commands import Accepted, Command
from domain.errors import DomainError
from gateway.api import ApiRoute
from gateway.committer import Committer
from gateway.http import (
    correlation_id,
    expected_version,
    idempotency_key,
    json_body,
    require_role,
)
from gateway.metrics import COMMAND_ENDPOINTS
from gateway.problems import ProblemError

API = "/api/v1"


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@cache
def _collections() -> dict[str, str]:
    from gateway.records_api import aggregate_classes

    return {cls.KIND: cls.COLLECTION for cls in aggregate_classes()}


def record_url(kind: str, ident: UUID) -> str:
    """Where the record a command created is read (``GET``)."""
    return f"{API}/{_collections()[kind]}/{ident}"


def command_route(command_type: type[Command]) -> ApiRoute:
    method, _, path = command_type.ROUTE.partition(" ")
    if not path:
        raise RuntimeError(f"{command_type.__name__} declares no ROUTE")
    roles = command_type.ROLES
    area = command_type.__module__.split(".")[1]

    async def endpoint(request: Request) -> Response:
        actor = require_role(request, roles)
        # The headers first: checking them costs nothing, the body must be read and parsed.
        key, correlation, version = (
            idempotency_key(request),
            correlation_id(request),
            expected_version(request),
        )
        body = await json_body(request)
        for name, value in request.path_params.items():
            if name in body and str(body[name]) != value:
                raise ProblemError(
                    422,
                    "invalid-request",
                    "Invalid request",
                    f"{name} in the body differs from the path",
                    errors=[{"loc": [name], "msg": "differs from the path", "type": "path"}],
                )
            body[name] = value
        command = command_type.model_validate(body)
        committer: Committer = request.app.state.committer
        accepted = await committer.submit(CommandRequest(command, actor, key, correlation, version))
        if isinstance(accepted, DomainError):
            raise accepted
        headers = {"ETag": f'"{accepted.version}"'}
        if accepted.created:
            headers["Location"] = record_url(accepted.kind, accepted.id)
        return Response(  # serialised by pydantic directly: no dict between
            accepted.model_dump_json(),
            status_code=201 if accepted.created else 200,
            media_type="application/json",
            headers=headers,
        )

    COMMAND_ENDPOINTS[endpoint] = (method, area, snake(command_type.__name__))
    doc = (command_type.__doc__ or command_type.__name__).strip()
    return ApiRoute(
        method=method,
        path=API + path,
        endpoint=endpoint,
        operation_id=snake(command_type.__name__),
        summary=doc.splitlines()[0],
        tag=area,
        roles=roles,
        request_model=command_type,
        response_model=Accepted,
        response_status=201,
        command=command_type,
    )


def routes() -> list[ApiRoute]:
    # A command without a ROUTE is the ledger's own (a seeded draw): never served over HTTP.
    return [command_route(t) for t in sorted(HANDLERS, key=lambda t: t.ROUTE) if t.ROUTE]
