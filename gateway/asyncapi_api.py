"""``GET /asyncapi.json``: the AsyncAPI 3.0 document of the ledger's Kafka topics.

Public like ``/openapi.json``: it describes topics and schemas, not data. Generated once per
topic prefix and cluster from the event classes (``consumers/asyncapi.py``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from consumers.asyncapi import asyncapi_document
from gateway.api import ApiRoute
from infra.settings import Settings


@lru_cache(maxsize=8)
def _document(prefix: str, bootstrap: str | None) -> dict[str, Any]:
    return asyncapi_document(prefix=prefix, bootstrap=bootstrap)


def document_for(settings: Settings) -> dict[str, Any]:
    return _document(settings.kafka_topic_prefix, settings.kafka_bootstrap)


async def asyncapi(request: Request) -> Response:
    return JSONResponse(document_for(request.app.state.settings))


def routes() -> list[ApiRoute]:
    return [
        ApiRoute(
            method="GET",
            path="/asyncapi.json",
            endpoint=asyncapi,
            operation_id="asyncapi",
            summary="The AsyncAPI 3.0 document of the ledger's Kafka topics",
            tag="system",
            roles=None,
        )
    ]
