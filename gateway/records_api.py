"""Read the current state of any record: ``GET /api/v1/<collection>/{id}``; an auditor's or
the office's read, and any read showing an individual's data, recorded (``gateway.audit_reads``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.actors import Role
from domain.audit.history import UnreadableEvent, withhold_personal
from domain.base import Aggregate
from domain.errors import NotFound
from gateway.api import ApiRoute
from gateway.audit_api import unreadable_problem
from gateway.audit_reads import is_recorded, record_http_read
from gateway.http import caller, ledger_of, require_role
from gateway.problems import ProblemError
from infra.integrity import service
from infra.privacy.sealing import ERASED_NAME, SealTampered, persons_in
from infra.privacy.unopened import not_readable_by

API = "/api/v1"
READERS = frozenset({Role.SUPERVISOR, Role.AUDITOR, Role.AGENCY_OFFICER, Role.PARTNER})


class RecordState(BaseModel):
    """A record's current state, rebuilt from its events."""

    id: UUID
    kind: str
    version: int
    created_on: str
    modified_on: str
    state: dict[str, object]


def aggregate_classes() -> list[type[Aggregate]]:
    found: list[type[Aggregate]] = []
    pending = list(Aggregate.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.KIND and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda c: c.KIND)


def load_readable(request: Request, cls: type[Aggregate], raw_id: str) -> Aggregate:
    """The record ``raw_id`` of kind ``cls`` if the caller may read it."""
    actor = require_role(request, READERS)
    try:
        ident = UUID(raw_id)
    except ValueError:
        raise ProblemError(
            422, "invalid-request", "Invalid request", f"{raw_id!r} is not a UUID"
        ) from None
    aggregate = ledger_of(request).get_aggregate(ident)
    if not isinstance(aggregate, cls):
        raise NotFound(cls.KIND, ident)
    if not aggregate.readable_by(actor):
        raise _not_yours(cls)
    return aggregate


def _not_yours(cls: type[Aggregate]) -> ProblemError:
    return ProblemError(403, "forbidden", "Forbidden", f"this {cls.KIND} is not yours to read")


def tampered(request: Request, cls: type[Aggregate]) -> ProblemError:
    """The problem for a record whose sealed personal data was altered, naming the event (the
    repository does not say which one: replaying the history finds it) — or, to a caller who
    may not read the record, the "forbidden" an intact record would get."""
    ident = UUID(request.path_params["id"])
    if not_readable_by(ledger_of(request), ident, caller(request)):
        return _not_yours(cls)
    try:
        service.load_history(ledger_of(request), cls.KIND, ident)
    except UnreadableEvent as error:
        return unreadable_problem(error)
    return ProblemError(
        409,
        "sealed-value-tampered",
        "A sealed personal value was tampered with",
        f"a sealed personal value of this {cls.KIND} does not match its digest or key; "
        "run `ledger verify`",
    )


def read_state(request: Request, cls: type[Aggregate]) -> dict[str, Any]:
    """The record's state as ``request``'s caller may see it, the read recorded if it must be
    (``gateway.audit_reads``: the oversight roles, or personal data shown in the clear)."""
    try:
        aggregate = load_readable(request, cls, request.path_params["id"])
    except SealTampered:
        raise tampered(request, cls) from None
    state = aggregate.state()
    actor = caller(request)
    if actor.role is Role.PARTNER:
        # A partner region sees what concerns it, but never an individual's personal data:
        # each person as the subject pseudonym it is stored (and sent to partners) under,
        # which only the stored events know (the aggregate holds people opened).
        if persons_in(state["state"]):
            replayed = service.load_history(
                ledger_of(request), cls.KIND, aggregate.id, withhold=withhold_personal
            )
            state["state"] = replayed.data["state"]  # the state as JSON (no model needed)
        state = withhold_personal(state)
    shows_person = actor.role is not Role.PARTNER and any(
        person.get("name") != ERASED_NAME for person in persons_in(state["state"])
    )
    if is_recorded(actor, shows_personal_data=shows_person):
        record_http_read(
            request,
            actor,
            what="record-state",
            record_kind=cls.KIND,
            record_id=aggregate.id,
            version=aggregate.version,
        )
    return state


def record_route(cls: type[Aggregate]) -> ApiRoute:
    async def endpoint(request: Request) -> Response:
        state = await run_in_threadpool(read_state, request, cls)
        # The version a command's If-Match names to be refused if the record changed since.
        return JSONResponse(state, headers={"ETag": f'"{state["version"]}"'})

    return ApiRoute(
        method="GET",
        path=f"{API}/{cls.COLLECTION}/{{id}}",
        endpoint=endpoint,
        operation_id=f"get_{cls.KIND.replace('-', '_')}",
        summary=f"The current state of a {cls.KIND.replace('-', ' ')}",
        tag="records",
        roles=READERS,
        response_model=RecordState,
        extra_statuses=(409,),
    )


def routes() -> list[ApiRoute]:
    return [record_route(cls) for cls in aggregate_classes()]
