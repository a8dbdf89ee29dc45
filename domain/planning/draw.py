"""The double-random draw (双随机抽取), as a pure function anyone can re-run.

The draw is a function of its published inputs only: the seed, the candidate entities and the
candidate officers (each sorted by id, so the order they were sent in does not matter), how
many entities to draw and how many officers per entity. The plan's ``DoubleRandomDrawn`` event
records all of them with the result, so "was this draw fair?" is answered by re-running
``draw(...)`` on the event's fields and comparing (双随机一公开: the results are published).

Only ``random.Random(seed).random()`` is used: Python guarantees that sequence for a given
seed across versions, which it does not for ``sample`` or ``randrange``; the partial
Fisher-Yates shuffle below is written out so the algorithm itself is part of the record.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from uuid import UUID

from pydantic import BaseModel, ConfigDict

METHOD = "fisher-yates/python-random-v1"
"""Names the algorithm in every draw event, so a later change of it cannot pass unnoticed."""


class DrawnEntity(BaseModel):
    """An entity drawn for inspection and the officers drawn to inspect it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entity_id: UUID
    officer_ids: list[UUID]


def _pick(rng: random.Random, candidates: Sequence[UUID], count: int) -> list[UUID]:
    """The first ``count`` items of a Fisher-Yates shuffle of ``candidates``."""
    pool = list(candidates)
    for i in range(count):
        # S311: this is a published, reproducible lottery, not a secret; anyone must be able
        # to re-run it from the seed.
        j = i + int(rng.random() * (len(pool) - i))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:count]


def draw(
    seed: int,
    candidate_entity_ids: Sequence[UUID],
    candidate_officer_ids: Sequence[UUID],
    entities: int,
    officers_per_entity: int,
) -> list[DrawnEntity]:
    """Draw ``entities`` entities, and for each ``officers_per_entity`` different officers."""
    entity_pool = sorted(set(candidate_entity_ids))
    officer_pool = sorted(set(candidate_officer_ids))
    if not 0 <= entities <= len(entity_pool):
        raise ValueError(f"cannot draw {entities} of {len(entity_pool)} entities")
    if not 0 <= officers_per_entity <= len(officer_pool):
        raise ValueError(f"cannot draw {officers_per_entity} of {len(officer_pool)} officers")
    rng = random.Random(seed)  # noqa: S311 - see _pick
    chosen = _pick(rng, entity_pool, entities)
    return [
        DrawnEntity(entity_id=entity_id, officer_ids=_pick(rng, officer_pool, officers_per_entity))
        for entity_id in chosen
    ]
