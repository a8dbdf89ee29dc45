"""Auditors' endpoints: case-history replay, the checkpoint public key, checkpoints, proofs.

- ``GET /api/v1/audit/{kind}/{id}/history`` — a record's every event with who, when, what and
  the state after it; ``?as_of=`` (a moment) or ``?version=`` for the state then; ``?format=``
  ``json`` (the case file), ``markdown`` or ``html`` (for case-file review). Auditors and the
  office read every record, an agency officer its agency's, a partner its region's
  collaboration records (individuals' data withheld). Every read is recorded in the reader's
  audit trail (``domain.audit.trail``) before the answer leaves.
- ``GET /api/v1/audit/public-key`` — the Ed25519 key that signs checkpoints (public).
- ``GET /api/v1/audit/checkpoints`` — the signed checkpoints, newest first.

Reads of checkpoints and inclusion proofs by auditors and the office are recorded in their
trail too (``gateway.audit_reads`` says which reads are, and why).
- ``GET /api/v1/audit/proofs/{position}?tree_size=`` (or ``/proofs/inclusion?position=``) —
  an event's RFC 9162 inclusion proof against a checkpoint (the latest by default);
- ``GET /api/v1/audit/proofs/consistency?first=&second=`` — two checkpoints' consistency.

Proof documents are checked offline with ``ledger audit check-proof FILE --public-key KEY``.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.actors import Actor, Role
from domain.application import SupervisionLedger
from domain.audit.case_file import CaseFile, ExportedCase, to_html, to_markdown
from domain.audit.history import NothingAsOf, UnreadableEvent, withhold_personal
from domain.audit.reads import record_proof_read, record_read
from domain.values import DISTRICT_ZONE
from gateway.api import ApiRoute
from gateway.audit_reads import is_recorded, record_http_read_async
from gateway.http import correlation_id, ledger_of, require_role
from gateway.problems import ProblemError
from infra.integrity import service
from infra.integrity.proofs import ConsistencyProofDoc, InclusionProofDoc
from infra.integrity.signing import Signer
from infra.integrity.wiring import SigningKeyMissingError, signer_from_settings
from infra.privacy.sealing import SealTampered
from infra.privacy.unopened import not_readable_by

API = "/api/v1/audit"
READERS = frozenset({Role.AUDITOR, Role.SUPERVISOR, Role.AGENCY_OFFICER, Role.PARTNER})
MEDIA = {
    "json": "application/json",
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
_state_lock = threading.Lock()


class HistoryQuery(BaseModel):
    as_of: datetime | None = Field(
        default=None,
        description="The state as of this moment (ISO 8601; without an offset, Beijing time): "
        "after the last event the database recorded at or before it.",
    )
    version: int | None = Field(default=None, ge=1, description="The state at this version.")
    format: Literal["json", "markdown", "html"] = Field(
        default="json", description="json (the case file), markdown or html (for review)."
    )


class ProofQuery(BaseModel):
    tree_size: int | None = Field(
        default=None, ge=1, description="The checkpoint's tree size (default: the latest)."
    )


class InclusionQuery(ProofQuery):
    position: int = Field(ge=1, description="The event's position in the log.")


class ConsistencyQuery(BaseModel):
    first: int = Field(ge=1, description="The smaller checkpoint's tree size.")
    second: int = Field(ge=1, description="The larger checkpoint's tree size.")


class PublicKey(BaseModel):
    """The key that signs checkpoints (publish it; partners and auditors check with it)."""

    algorithm: Literal["Ed25519"] = "Ed25519"
    key_id: str
    public_key_pem: str


class CheckpointList(BaseModel):
    checkpoints: list[dict[str, Any]]


# Shared state of the app: the signer and the in-memory Merkle tree ----------------------------


def _signer(request: Request) -> Signer:
    state = request.app.state
    with _state_lock:
        signer: Signer | None = getattr(state, "audit_signer", None)
        if signer is None:
            try:
                signer = signer_from_settings(state.settings)
            except SigningKeyMissingError as error:
                raise ProblemError(503, "no-signing-key", "No checkpoint key", str(error)) from None
            state.audit_signer = signer
    return signer


def _tree(request: Request) -> service.TreeCache:
    state = request.app.state
    with _state_lock:
        tree: service.TreeCache | None = getattr(state, "audit_tree", None)
        if tree is None:
            tree = state.audit_tree = service.TreeCache()
    return tree


def _query(model: type[BaseModel], request: Request) -> Any:
    return model.model_validate(dict(request.query_params))


def _uuid(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise ProblemError(
            422, "invalid-request", "Invalid request", f"{raw!r} is not a UUID"
        ) from None


def _forbidden(what: str) -> ProblemError:
    return ProblemError(403, "forbidden", "Forbidden", f"this {what} is not yours to read")


# History -------------------------------------------------------------------------------------


def case_file(
    ledger: SupervisionLedger,
    actor: Actor,
    kind: str,
    ident: UUID,
    query: HistoryQuery,
    *,
    channel: str,
    correlation: str | None = None,
) -> ExportedCase:
    """The record's case file for ``actor``, the read recorded (shared by HTTP and CLI)."""
    as_of = query.as_of
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=DISTRICT_ZONE)
    partner = actor.role is Role.PARTNER
    try:
        replayed = service.load_history(
            ledger,
            kind,
            ident,
            version=query.version,
            as_of=as_of,
            withhold=withhold_personal if partner else None,
        )
    except NothingAsOf as error:
        raise ProblemError(404, "not-yet", "Not found at that point", str(error)) from None
    except UnreadableEvent as error:
        # Not yours to read stays the answer whatever happened to the record's events.
        if not_readable_by(ledger, ident, actor):
            raise _forbidden(kind) from None
        raise unreadable_problem(error) from None
    if not replayed.aggregate.readable_by(actor):
        raise _forbidden(kind)
    trail = record_read(
        ledger,
        actor,
        record_kind=kind,
        record_id=ident,
        version=replayed.data["version"],
        as_of=as_of,
        format=query.format,
        channel=channel,
        correlation_id=correlation,
    )
    return ExportedCase.of(
        replayed.data,
        exported_at=datetime.now(DISTRICT_ZONE),
        exported_by=f"{actor.principal} ({actor.role.value})",
        read_recorded_in=trail,
    )


def unreadable_problem(error: UnreadableEvent) -> ProblemError:
    """A stored event that does not load, as a problem naming its position: a sealed personal
    value that no longer matches its digest (or key) is tampering; anything else, a row the
    ledger cannot read. Either way the log needs ``ledger verify``, not a retry."""
    if isinstance(error.cause, SealTampered):
        return ProblemError(
            409,
            "sealed-value-tampered",
            "A sealed personal value was tampered with",
            f"the personal data sealed in the event at position {error.position} does not "
            f"match its digest or key ({error.cause}); run `ledger verify`",
            position=error.position,
        )
    return ProblemError(
        409,
        "event-unreadable",
        "A stored event does not load",
        f"{error}; run `ledger verify`",
        position=error.position,
    )


def render(case: ExportedCase, form: str) -> bytes:
    if form == "markdown":
        return to_markdown(case.model).encode()
    if form == "html":
        return to_html(case.model).encode()
    return case.json()


async def history(request: Request) -> Response:
    actor = require_role(request, READERS)
    query = _query(HistoryQuery, request)
    ident = _uuid(request.path_params["id"])
    kind = request.path_params["kind"]
    case = await run_in_threadpool(
        case_file,
        ledger_of(request),
        actor,
        kind,
        ident,
        query,
        channel="http",
        correlation=correlation_id(request),
    )
    return Response(render(case, query.format), media_type=MEDIA[query.format])


# Keys and checkpoints ------------------------------------------------------------------------


async def public_key(request: Request) -> Response:
    signer = await run_in_threadpool(_signer, request)
    return JSONResponse(
        PublicKey(key_id=signer.key_id, public_key_pem=signer.public_pem).model_dump()
    )


async def checkpoints(request: Request) -> Response:
    actor = require_role(request, READERS)
    stored = await run_in_threadpool(service.checkpoints, ledger_of(request))
    if is_recorded(actor):
        latest = stored[-1].checkpoint.tree_size if stored else 0
        await record_http_read_async(
            request, actor, what="checkpoints", detail=f"latest tree_size={latest}"
        )
    sizes = [0, *(s.checkpoint.tree_size for s in stored)]
    listed = [
        {
            **s.checkpoint.to_json(),
            "previous_tree_size": sizes[n],
            "consistency_proof": [h.hex() for h in s.consistency_proof],
        }
        for n, s in enumerate(stored)
    ]
    listed.reverse()
    return JSONResponse({"checkpoints": listed})


# Proofs --------------------------------------------------------------------------------------


def _inclusion(request: Request, actor: Actor, position: int, tree_size: int | None) -> Any:
    ledger = ledger_of(request)
    event = service.event_at(ledger, position)
    readable = actor.role in (Role.AUDITOR, Role.SUPERVISOR)
    if not readable:
        readable = ledger.get_aggregate(event.originator_id).readable_by(actor)
    if not readable:
        raise _forbidden("event")
    try:
        document = service.inclusion_proof(
            ledger,
            _tree(request),
            event,
            tree_size,
            show_state=lambda state: (
                not service.holds_personal_data(state) or actor.role is not Role.PARTNER
            ),
        )
    except service.ProofUnavailableError as error:
        raise ProblemError(404, error.slug, "No proof", error.message) from None
    except service.LogInconsistentError as error:
        raise ProblemError(409, "log-inconsistent", "The log is inconsistent", str(error)) from None
    if is_recorded(actor):  # the proof shows the event's (redacted) state: a read of it
        record_proof_read(
            ledger,
            actor,
            event,
            document.tree_size,
            channel="http",
            correlation_id=correlation_id(request),
        )
    return document.model_dump(mode="json")


async def inclusion_by_path(request: Request) -> Response:
    actor = require_role(request, READERS)
    raw = request.path_params["position"]
    if not raw.isdigit():
        raise ProblemError(422, "invalid-request", "Invalid request", "a position is a number")
    query = _query(ProofQuery, request)
    return JSONResponse(
        await run_in_threadpool(_inclusion, request, actor, int(raw), query.tree_size)
    )


async def inclusion_by_query(request: Request) -> Response:
    actor = require_role(request, READERS)
    query = _query(InclusionQuery, request)
    return JSONResponse(
        await run_in_threadpool(_inclusion, request, actor, query.position, query.tree_size)
    )


def _consistency(request: Request, query: ConsistencyQuery) -> Any:
    try:
        document = service.consistency_proof(
            ledger_of(request), _tree(request), query.first, query.second
        )
    except service.ProofUnavailableError as error:
        status = 422 if error.slug == "bad-sizes" else 404
        raise ProblemError(status, error.slug, "No proof", error.message) from None
    except service.LogInconsistentError as error:
        raise ProblemError(409, "log-inconsistent", "The log is inconsistent", str(error)) from None
    return document.model_dump(mode="json")


async def consistency(request: Request) -> Response:
    require_role(request, READERS)
    query = _query(ConsistencyQuery, request)
    return JSONResponse(await run_in_threadpool(_consistency, request, query))


def routes() -> list[ApiRoute]:
    proof_readers = READERS
    return [
        ApiRoute(
            method="GET",
            path=f"{API}/public-key",
            endpoint=public_key,
            operation_id="audit_public_key",
            summary="The Ed25519 public key that signs the log's checkpoints",
            tag="audit",
            roles=None,
            response_model=PublicKey,
        ),
        ApiRoute(
            method="GET",
            path=f"{API}/checkpoints",
            endpoint=checkpoints,
            operation_id="audit_checkpoints",
            summary="The signed Merkle checkpoints of the log, newest first",
            tag="audit",
            roles=READERS,
            response_model=CheckpointList,
        ),
        # The literal proof paths first: Starlette matches in order, and {position} would
        # otherwise take "inclusion" and "consistency".
        ApiRoute(
            method="GET",
            path=f"{API}/proofs/inclusion",
            endpoint=inclusion_by_query,
            operation_id="audit_inclusion_proof_query",
            summary="An event's inclusion proof against a checkpoint (position as a query)",
            tag="audit",
            roles=proof_readers,
            query_model=InclusionQuery,
            response_model=InclusionProofDoc,
            extra_statuses=(404, 409),
        ),
        ApiRoute(
            method="GET",
            path=f"{API}/proofs/consistency",
            endpoint=consistency,
            operation_id="audit_consistency_proof",
            summary="The consistency proof between two checkpoints (RFC 9162)",
            tag="audit",
            roles=proof_readers,
            query_model=ConsistencyQuery,
            response_model=ConsistencyProofDoc,
            extra_statuses=(404, 409),
        ),
        ApiRoute(
            method="GET",
            path=f"{API}/proofs/{{position}}",
            endpoint=inclusion_by_path,
            operation_id="audit_inclusion_proof",
            summary="An event's inclusion proof against a checkpoint (RFC 9162)",
            tag="audit",
            roles=proof_readers,
            query_model=ProofQuery,
            response_model=InclusionProofDoc,
            extra_statuses=(409,),
        ),
        ApiRoute(
            method="GET",
            path=f"{API}/{{kind}}/{{id}}/history",
            endpoint=history,
            operation_id="audit_history",
            summary="A record's full history: who, when, what, and the state after each step",
            tag="audit",
            roles=READERS,
            query_model=HistoryQuery,
            response_model=CaseFile,
            extra_statuses=(409,),
            description="`?as_of=` or `?version=` for the state then; `?format=markdown|html` "
            "for a readable case file. Every read is recorded in the reader's audit trail.",
        ),
    ]


__all__ = ["MEDIA", "HistoryQuery", "case_file", "render", "routes"]
