"""A market entity (市场主体 / 检查对象): the business inspected, known by its credit code."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Aggregate
from domain.ids import natural_id
from domain.values import CreditRating


class Entity(Aggregate):
    TOPIC = "Entity"
    KIND = "entity"

    class Registered(Aggregate.Created):
        uscc: str
        name: str
        address: str
        grid_cell: str | None

    class CreditRated(Aggregate.Event):
        rating: CreditRating
        rated_on: date

    @staticmethod
    def create_id(uscc: str) -> UUID:
        return natural_id("entity", uscc)

    @event(Registered)
    def __init__(self, uscc: str, name: str, address: str, grid_cell: str | None) -> None:
        self.uscc = uscc
        self.name = name
        self.address = address
        self.grid_cell = grid_cell
        self.rating: CreditRating | None = None
        self.rated_on: date | None = None

    @event(CreditRated)
    def rate_credit(self, rating: CreditRating, rated_on: date) -> None:
        self.rating = rating
        self.rated_on = rated_on
