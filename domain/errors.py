"""What can go wrong when a command meets the law, in words a supervisor understands.

The gateway maps each class to one HTTP status (see ``gateway/problems.py``); nothing here
knows about HTTP.
"""

from __future__ import annotations

from uuid import UUID


class DomainError(Exception):
    """Base of every refusal the domain gives. ``str(error)`` is the plain-words message."""

    title = "Command refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RuleViolation(DomainError):
    """A rule of law (or of the supervision office) forbids this act at this moment."""

    title = "Rule violated"

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


class NotFound(DomainError):
    title = "Not found"

    def __init__(self, kind: str, ident: UUID | str) -> None:
        super().__init__(f"no {kind} with id {ident}")
        self.kind = kind
        self.ident = str(ident)


class AlreadyExists(DomainError):
    title = "Already exists"

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key} already exists")
        self.kind = kind
        self.key = key


class ConcurrencyConflict(DomainError):
    """Another command changed the same record first; nothing of this one was written."""

    title = "Concurrent change"


class Forbidden(DomainError):
    """The caller's role or agency may not perform this act."""

    title = "Forbidden"


class IdempotencyKeyReused(DomainError):
    title = "Idempotency key reused"

    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was already used for a different request; use a new key"
        )
