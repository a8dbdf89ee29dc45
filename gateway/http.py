"""What every endpoint needs from a request: the caller, the JSON body, the headers we honour."""

from __future__ import annotations

import re
from typing import Any, cast

import orjson
from starlette.requests import Request

from domain.actors import Actor, Role
from domain.application import SupervisionLedger
from gateway.auth import TokenStore
from gateway.problems import ProblemError

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
CORRELATION_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
PUBLIC = Actor(principal="anonymous", role=Role.PUBLIC)


def ledger_of(request: Request) -> SupervisionLedger:
    return cast(SupervisionLedger, request.app.state.ledger)


def caller(request: Request) -> Actor:
    """The authenticated actor, or the anonymous public when no token is sent."""
    header = request.headers.get("authorization")
    if header is None:
        return PUBLIC
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(
            401,
            "unauthenticated",
            "Unauthenticated",
            "use 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    tokens: TokenStore = request.app.state.tokens
    actor = tokens.authenticate(token.strip())
    if actor is None:
        raise ProblemError(
            401,
            "unauthenticated",
            "Unauthenticated",
            "unknown or revoked token",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return actor


def require_role(request: Request, roles: frozenset[Role]) -> Actor:
    actor = caller(request)
    if actor.role is Role.PUBLIC:
        raise ProblemError(
            401,
            "unauthenticated",
            "Unauthenticated",
            "this endpoint needs a bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if actor.role not in roles:
        raise ProblemError(
            403, "forbidden", "Forbidden", f"the role {actor.role.value} may not do this"
        )
    return actor


async def json_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, refusing what is not one (nothing is written)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise ProblemError(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "send the command as application/json",
        )
    limit: int = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProblemError(413, "too-large", "Body too large", f"at most {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ProblemError(413, "too-large", "Body too large", f"at most {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _body_problem("the body is not UTF-8", "utf8") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise _body_problem(f"the body is not JSON: {error}", "json_invalid") from None
    if not isinstance(data, dict):
        raise ProblemError(
            422,
            "invalid-request",
            "Invalid request",
            "the body must be a JSON object",
            errors=[{"loc": ["body"], "msg": "must be a JSON object", "type": "dict_type"}],
        )
    return data


def _body_problem(message: str, kind: str) -> ProblemError:
    """Malformed input is a 422 like any other (the issue's rule), its one error at the body."""
    return ProblemError(
        422,
        "malformed-body",
        "Malformed body",
        message,
        errors=[{"loc": ["body"], "msg": message, "type": kind}],
    )


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.match(key):
        raise ProblemError(
            422,
            "invalid-request",
            "Invalid request",
            "Idempotency-Key: 1 to 200 visible ASCII characters",
            errors=[_header_error("Idempotency-Key", "1 to 200 visible ASCII characters")],
        )
    return key


ETAG = re.compile(r'^"(0|[1-9][0-9]{0,17})"$')


def expected_version(request: Request) -> int | None:
    """The record version named by ``If-Match: "<version>"`` (the ``ETag`` of a record's GET),
    or ``None`` without the header (or with ``*``: any current version)."""
    value = request.headers.get("if-match")
    if value is None or value.strip() == "*":
        return None
    match = ETAG.match(value.strip())
    if match is None:
        raise ProblemError(
            422,
            "invalid-request",
            "Invalid request",
            'If-Match: one version in quotes, as the record\'s ETag gives it (e.g. "3")',
            errors=[_header_error("If-Match", "not one quoted version")],
        )
    return int(match.group(1))


def correlation_id(request: Request) -> str | None:
    value = request.headers.get("x-correlation-id")
    if value is None:
        return None
    if not CORRELATION_ID.match(value):
        raise ProblemError(
            422,
            "invalid-request",
            "Invalid request",
            "X-Correlation-ID: 1 to 100 letters, digits, '.', '_', ':' or '-'",
            errors=[_header_error("X-Correlation-ID", "1 to 100 letters, digits, . _ : -")],
        )
    return value


def _header_error(name: str, message: str) -> dict[str, object]:
    return {"loc": ["header", name], "msg": message, "type": "header_invalid"}
