"""RFC 9457 problem details: every error the gateway answers, in one table.

Domain errors map to statuses here and nowhere else; handlers never catch ``Exception``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.application import RecordedRefusal, StaleVersion
from domain.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    DomainError,
    Forbidden,
    IdempotencyKeyReused,
    NotFound,
    RuleViolation,
)

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    """One reason a request is invalid: where (``loc``: body field path, or a header), what."""

    loc: list[str]
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem details object, with the ledger's extension members."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = Field(
        default=None, description="422: every invalid field or header."
    )
    rule: str | None = Field(
        default=None, description="409 and 412: the rule that refused the command, by name."
    )
    refusal_id: UUID | None = Field(
        default=None,
        description="409: the record of a refusal the law wants on file (an inspection refused).",
    )
    current_version: int | None = Field(
        default=None, description="412: the record's version now (If-Match named another)."
    )


class ProblemError(Exception):
    """Raised by the gateway itself (authentication, body checks) to answer with a problem."""

    def __init__(self, status: int, slug: str, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.extra = extra


# Domain error class -> (HTTP status, problem type slug). Most specific first.
DOMAIN_STATUS: list[tuple[type[DomainError], int, str]] = [
    # If-Match named a version the record has left: RFC 9110's 412 Precondition Failed.
    (StaleVersion, 412, "concurrent-change"),
    (RuleViolation, 409, "rule-violation"),
    (AlreadyExists, 409, "already-exists"),
    (ConcurrencyConflict, 409, "concurrent-change"),
    (IdempotencyKeyReused, 422, "idempotency-key-reused"),
    (NotFound, 404, "not-found"),
    (Forbidden, 403, "forbidden"),
    (DomainError, 409, "refused"),
]


def problem_response(
    request: Request | None,
    status: int,
    slug: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{slug}" if slug != "about:blank" else slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_problem(request: Request, error: DomainError) -> JSONResponse:
    for cls, status, slug in DOMAIN_STATUS:
        if isinstance(error, cls):
            extra: dict[str, Any] = {}
            if isinstance(error, RuleViolation | StaleVersion):
                extra["rule"] = error.rule
            if isinstance(error, StaleVersion):
                extra["current_version"] = error.current
            if isinstance(error, RecordedRefusal):
                extra["refusal_id"] = str(error.refusal_id)
            return problem_response(request, status, slug, error.title, error.message, **extra)
    raise AssertionError("DomainError is in the table")  # pragma: no cover


def validation_problem(request: Request, error: ValidationError) -> JSONResponse:
    errors = [
        {
            "loc": [str(part) for part in e["loc"]],
            "msg": e["msg"],
            "type": e["type"],
        }
        for e in error.errors(include_url=False, include_input=False)
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid"}
    where = ".".join(first["loc"]) or "body"
    return problem_response(
        request,
        422,
        "invalid-request",
        "Invalid request",
        f"{where}: {first['msg']}",
        errors=errors,
    )


async def on_domain_error(request: Request, exc: DomainError) -> Response:
    return domain_problem(request, exc)


async def on_validation_error(request: Request, exc: ValidationError) -> Response:
    return validation_problem(request, exc)


async def on_problem(request: Request, exc: ProblemError) -> Response:
    headers = exc.extra.pop("headers", None)
    return problem_response(
        request, exc.status, exc.slug, exc.title, exc.detail, headers=headers, **exc.extra
    )


async def on_http_exception(request: Request, exc: HTTPException) -> Response:
    titles = {404: "Not found", 405: "Method not allowed"}
    return problem_response(
        request,
        exc.status_code,
        "about:blank",
        titles.get(exc.status_code, "HTTP error"),
        str(exc.detail),
        headers=dict(exc.headers or {}),
    )


async def on_persistence_error(request: Request, exc: PersistenceError) -> Response:
    return problem_response(
        request,
        503,
        "store-unavailable",
        "Event store unavailable",
        "the event store could not be reached; retry with the same Idempotency-Key",
        headers={"Retry-After": "1"},
    )


exception_handlers: dict[type[Exception], Callable[[Request, Any], Awaitable[Response]]] = {
    DomainError: on_domain_error,
    ValidationError: on_validation_error,
    ProblemError: on_problem,
    HTTPException: on_http_exception,
    PersistenceError: on_persistence_error,
}
