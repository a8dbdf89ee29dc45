"""``GET /metrics``: the ledger's metrics in the Prometheus text format (see ``gateway.metrics``).

No token: Prometheus scrapes it, and it holds only aggregates (counts by kind and domain,
positions, lags, latencies), no record of anyone. The business figures and the pipeline's
positions are read from the database at each scrape, through the ledger's connection pool.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from psycopg import sql
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from gateway.api import ApiRoute
from gateway.http import ledger_of
from gateway.live import connection_settings, recorder_of
from gateway.metrics import LedgerCollector, Scrape


def collector_for(request: Request) -> LedgerCollector:
    recorder = recorder_of(ledger_of(request))
    datastore = recorder.datastore
    return LedgerCollector(
        datastore.get_connection,
        sql.Identifier(datastore.schema, recorder.events_table_name),
        scope=connection_settings(recorder).get("dbname", ""),
    )


async def get_metrics(request: Request) -> Response:
    body = await run_in_threadpool(generate_latest, Scrape(collector_for(request)))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def routes() -> list[ApiRoute]:
    return [
        ApiRoute(
            "GET",
            "/metrics",
            get_metrics,
            "get_metrics",
            "Metrics in the Prometheus text format",
            "system",
            None,
            response_media_type="text/plain",
            description="Business figures (acts by kind and agency domain, overdue cases, open "
            "tickets, indicators) and pipeline health (commands by outcome, command latency, "
            "relay and projection positions, lag and throughput). No token needed.",
        )
    ]
