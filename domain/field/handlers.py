"""How the field commands are carried out."""

from __future__ import annotations

from domain.application import UnitOfWork, handles
from domain.errors import AlreadyExists, NotFound
from domain.field import commands as c
from domain.field.patrol import AreaPatrol
from domain.registry.agency import Agency
from domain.registry.grid_cell import GridCell
from domain.registry.officer import Officer


@handles(c.RecordAreaPatrol)
def record_area_patrol(uow: UnitOfWork, cmd: c.RecordAreaPatrol) -> AreaPatrol:
    agency = uow.get(Agency, cmd.agency_id)
    uow.actor.require_agency(agency.id)
    cell = uow.find(GridCell, GridCell.create_id(cmd.grid_cell))
    if cell is None:
        raise NotFound("grid cell", cmd.grid_cell)
    ident = AreaPatrol.create_id(agency.id, cell.code, cmd.started_at)
    if uow.exists(ident):
        raise AlreadyExists("area patrol", f"of {cell.code} started {cmd.started_at.isoformat()}")
    return uow.add(
        AreaPatrol.record(
            agency_id=agency.id,
            grid_cell=cell,
            officers=uow.get_each(Officer, cmd.officer_ids),
            started_at=cmd.started_at,
            ended_at=cmd.ended_at,
            route=cmd.route,
            notes=cmd.notes,
            problems_found=cmd.problems_found,
        )
    )
