"""Inclusion proofs for a partner, from the ledger's API: an untrusted source (the partner
checks every proof against a checkpoint signed by the ledger's key), over plain HTTP with the
standard library (a partner installs nothing else to ask).
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Protocol

import orjson

# Proofs -----------------------------------------------------------------------------------


class ProofSource(Protocol):
    def inclusion_proof(self, position: int, leaf_index: int, tree_size: int) -> list[bytes]:
        """The RFC 9162 inclusion path of the event at ``position`` (leaf ``leaf_index``) in
        the tree of ``tree_size`` leaves (an untrusted answer: the caller checks it)."""


class ProofUnavailable(RuntimeError):
    """The ledger could not be asked now (try again later)."""


class NoSuchEvent(LookupError):
    """The ledger says it holds no such event for this partner (none at that position, or one
    of another region): the record cannot be in its log as this region's."""


class HttpProofSource:
    """Inclusion proofs from the ledger's API (untrusted: the proofs are checked)."""

    PATH = "/api/v1/audit/proofs/inclusion"

    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def inclusion_proof(self, position: int, leaf_index: int, tree_size: int) -> list[bytes]:
        query = urllib.parse.urlencode({"position": position, "tree_size": tree_size})
        request = urllib.request.Request(  # noqa: S310 - the URL is the configured ledger
            f"{self.base_url}{self.PATH}?{query}",
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                document = orjson.loads(response.read())
        except urllib.error.HTTPError as error:
            problem = _problem_type(error.read())
            if error.code == 404 and problem.endswith("/not-found"):
                raise NoSuchEvent(f"the ledger holds no event at position {position}") from None
            if error.code == 403 and problem.endswith("/forbidden"):
                # The ledger's event there concerns another region: this record is not it.
                raise NoSuchEvent(
                    f"the ledger's event at position {position} is not this region's"
                ) from None
            raise ProofUnavailable(f"the ledger's proof API answered {error.code}") from None
        except (urllib.error.URLError, TimeoutError, orjson.JSONDecodeError) as error:
            raise ProofUnavailable(f"the ledger's proof API: {error}") from None
        return proof_from_json(document)


def _problem_type(body: bytes) -> str:
    try:
        problem = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    return str(problem.get("type", "")) if isinstance(problem, dict) else ""


def proof_from_json(document: Any) -> list[bytes]:
    """The inclusion path of the ledger's inclusion-proof document (``inclusion_path``)."""
    try:
        return [bytes.fromhex(h) for h in document["inclusion_path"]]
    except (KeyError, TypeError, ValueError) as error:
        raise ProofUnavailable(f"a malformed proof document: {error!r}") from None
