"""A cell of the district's patrol grid (网格): patrol coverage is counted against these."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.ids import natural_id


class GridCell(Aggregate):
    TOPIC = "GridCell"
    KIND = "grid-cell"

    class Defined(Aggregate.Created):
        code: str
        name: str
        street: str

    @staticmethod
    def create_id(code: str) -> UUID:
        return natural_id("grid-cell", code)

    @event(Defined)
    def __init__(self, code: str, name: str, street: str) -> None:
        self.code = code
        self.name = name
        self.street = street
