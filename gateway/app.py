"""The HTTP gateway: parse, authenticate, call, answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.application import SupervisionLedger
from gateway.api import ApiRoute, openapi_document, starlette_routes
from gateway.auth import TokenStore
from gateway.committer import Committer
from gateway.metrics import CommandMetrics
from gateway.plugins import modules
from gateway.problems import exception_handlers
from infra.settings import Settings

TITLE = "Supervision ledger (行政执法监督台账)"
VERSION = "1.0.0"


class Health(BaseModel):
    status: str
    last_position: int


def system_routes(api: list[ApiRoute]) -> list[ApiRoute]:
    async def healthz(request: Request) -> Response:
        ledger: SupervisionLedger = request.app.state.ledger
        position = await run_in_threadpool(ledger.recorder.max_notification_id)
        return JSONResponse({"status": "ok", "last_position": position or 0})

    async def openapi(request: Request) -> Response:
        return JSONResponse(request.app.state.openapi)

    return [
        ApiRoute(
            "GET",
            "/healthz",
            healthz,
            "healthz",
            "Liveness and the event store's last position",
            "system",
            None,
            response_model=Health,
        ),
        ApiRoute(
            "GET",
            "/openapi.json",
            openapi,
            "openapi",
            "This API's OpenAPI 3.1 document",
            "system",
            None,
        ),
    ]


def all_routes(extra: Sequence[ApiRoute] = ()) -> list[ApiRoute]:
    api = [route for module in modules(suffix="_api") for route in module.routes()]
    api += extra
    return [*api, *system_routes(api)]


def create_app(
    ledger: SupervisionLedger,
    tokens: TokenStore,
    settings: Settings,
    *,
    extra_routes: Sequence[ApiRoute] = (),
) -> Starlette:
    api = all_routes(extra_routes)
    openapi = openapi_document(api, title=TITLE, version=VERSION)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        committer.close()

    app = Starlette(
        routes=starlette_routes(api),
        middleware=[Middleware(CommandMetrics)],
        exception_handlers=exception_handlers,
        lifespan=lifespan,
    )
    state: Any = app.state
    state.ledger = ledger
    state.tokens = tokens
    state.settings = settings
    state.openapi = openapi
    committer = state.committer = Committer(ledger)
    return app
