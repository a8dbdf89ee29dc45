"""Checkpoints an auditor kept outside the database, read for ``ledger verify``.

The checkpoints in the database vouch only for what is still there: someone who cuts the tail
of the log can delete the checkpoints that sealed it too. A checkpoint copied out earlier —
printed by ``ledger audit checkpoint(s)``, read from the Kafka checkpoint topic, answered by
``GET /api/v1/audit/checkpoints``, or inside a proof document — still says how long the log
was and what it hashed to; ``verify`` holds the log to it.

Accepted: one JSON document (a checkpoint; a Kafka checkpoint message; ``{"checkpoints":
[…]}``; a proof document with a ``checkpoint`` or ``second`` checkpoint) or JSON lines of them.
Each checkpoint's signature is checked by the verifier, not here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from infra.integrity.signing import Checkpoint, CheckpointFormatError


def read_trusted_checkpoints(path: Path) -> list[Checkpoint]:
    """Every checkpoint in the file at ``path`` (``CheckpointFormatError`` if there is none)."""
    text = path.read_bytes()
    try:
        documents = [orjson.loads(text)]
    except orjson.JSONDecodeError:
        try:
            documents = [orjson.loads(line) for line in text.splitlines() if line.strip()]
        except orjson.JSONDecodeError as error:
            raise CheckpointFormatError(f"{path}: not JSON, nor JSON lines: {error}") from None
    found = [cp for document in documents for cp in _checkpoints_in(document)]
    if not found:
        raise CheckpointFormatError(f"{path}: holds no signed checkpoint")
    return found


def _checkpoints_in(document: Any) -> list[Checkpoint]:
    if isinstance(document, list):
        return [cp for item in document for cp in _checkpoints_in(item)]
    if not isinstance(document, dict):
        return []
    if "tree_size" in document and "signature" in document:
        return [Checkpoint.from_json(document)]
    found: list[Checkpoint] = []
    for key in ("checkpoints", "checkpoint", "first", "second"):
        if key in document:
            found += _checkpoints_in(document[key])
    return found
