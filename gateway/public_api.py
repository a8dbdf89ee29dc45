"""What anyone may read without a token: e-inspection certificates by number, and the
published double-random draws (双随机一公开).

An entity facing officers at its door checks the e-inspection certificate they show:
``GET /api/v1/public/e-certificates/{number}`` says whether it is valid now, for whom and for
what, and which officers (with their enforcement certificate numbers — officials acting in
public) it names. Nothing else of the ledger is disclosed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.application import SupervisionLedger
from domain.base import Aggregate
from domain.errors import NotFound
from domain.planning.draw import DrawnEntity
from domain.planning.e_certificate import ECertificate
from domain.planning.plan import InspectionPlan
from domain.planning.values import ECertificateStatus, PlanKind
from domain.registry.entity import Entity
from domain.registry.officer import Officer
from gateway.api import ApiRoute
from gateway.http import ledger_of

API = "/api/v1/public"
MAX_KEY = 64
A = TypeVar("A", bound=Aggregate)


class PublicEntity(BaseModel):
    name: str
    uscc: str = Field(description="Unified social credit code (统一社会信用代码).")


class PublicTask(BaseModel):
    plan_no: str
    task_no: int


class PublicOfficer(BaseModel):
    name: str
    enforcement_certificate_no: str = Field(description="The officer's 执法证 number.")


class ECertificateVerification(BaseModel):
    """An e-inspection certificate as the public may verify it."""

    number: str
    valid_now: bool
    status: ECertificateStatus
    checked_at: datetime = Field(description="The moment 'now' refers to.")
    valid_from: datetime
    valid_until: datetime
    entity: PublicEntity
    tasks: list[PublicTask] = Field(description="Several tasks: a joint inspection.")
    officers: list[PublicOfficer]


class PublishedDraw(BaseModel):
    """A double-random draw's inputs and result: re-run ``domain.planning.draw.draw`` on them."""

    draw_no: int
    drawn_at: datetime
    method: str
    seed: int
    entities_to_draw: int
    officers_per_entity: int
    candidate_entity_ids: list[UUID]
    candidate_officer_ids: list[UUID]
    drawn: list[DrawnEntity]


class PublishedDraws(BaseModel):
    plan_no: str
    kind: PlanKind
    year: int
    draws: list[PublishedDraw]


def _load(ledger: SupervisionLedger, cls: type[A], key: UUID | str, kind: str) -> A:
    """The record of class ``cls`` with id (or natural key) ``key``, or ``NotFound``."""
    if isinstance(key, str):
        # Certificate and plan numbers are ``Code``s: anything longer is no number of ours.
        if len(key) > MAX_KEY:
            raise NotFound(kind, key[:MAX_KEY])
        ident = cls.create_id(key)
    else:
        ident = key
    try:
        found = ledger.get_aggregate(ident)
    except NotFound:
        raise NotFound(kind, key) from None
    if not isinstance(found, cls):
        raise NotFound(kind, key)
    return found


def verify(ledger: SupervisionLedger, number: str, now: datetime) -> ECertificateVerification:
    certificate = _load(ledger, ECertificate, number, "e-inspection certificate")
    entity = _load(ledger, Entity, certificate.entity_id, "entity")
    officers = [
        PublicOfficer(
            name=_load(ledger, Officer, on_duty.officer_id, "officer").name,
            enforcement_certificate_no=on_duty.certificate_no,
        )
        for on_duty in certificate.officers
    ]
    status = certificate.status_at(now)
    return ECertificateVerification(
        number=certificate.number,
        valid_now=status is ECertificateStatus.VALID,
        status=status,
        checked_at=now,
        valid_from=certificate.valid_from,
        valid_until=certificate.valid_until,
        entity=PublicEntity(name=entity.name, uscc=entity.uscc),
        tasks=[PublicTask(plan_no=t.plan_no, task_no=t.task_no) for t in certificate.tasks],
        officers=officers,
    )


def published_draws(ledger: SupervisionLedger, plan_no: str) -> PublishedDraws:
    plan = _load(ledger, InspectionPlan, plan_no, "inspection plan")
    draws = [
        PublishedDraw.model_validate(e.model_dump())
        for e in ledger.repository.event_store.get(plan.id)
        if isinstance(e, InspectionPlan.DoubleRandomDrawn)
    ]
    return PublishedDraws(plan_no=plan.plan_no, kind=plan.kind, year=plan.year, draws=draws)


async def verify_e_certificate(request: Request) -> Response:
    now = datetime.now(UTC)
    answer = await run_in_threadpool(verify, ledger_of(request), request.path_params["number"], now)
    return JSONResponse(answer.model_dump(mode="json"))


async def get_published_draws(request: Request) -> Response:
    answer = await run_in_threadpool(
        published_draws, ledger_of(request), request.path_params["plan_no"]
    )
    return JSONResponse(answer.model_dump(mode="json"))


def routes() -> list[ApiRoute]:
    return [
        ApiRoute(
            method="GET",
            path=f"{API}/e-certificates/{{number}}",
            endpoint=verify_e_certificate,
            operation_id="verify_e_certificate",
            summary="Verify an e-inspection certificate (电子检查证) by its number",
            tag="public",
            roles=None,
            response_model=ECertificateVerification,
            description="No token needed. Unknown numbers are 404.",
        ),
        ApiRoute(
            method="GET",
            path=f"{API}/inspection-plans/{{plan_no}}/draws",
            endpoint=get_published_draws,
            operation_id="get_published_draws",
            summary="The published double-random draws of a plan (双随机一公开)",
            tag="public",
            roles=None,
            response_model=PublishedDraws,
            description="No token needed. Re-running the draw on these fields reproduces it.",
        ),
    ]
