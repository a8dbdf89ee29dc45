"""The registries as commands: the grid, the inspection list, the penalty-exemption lists, the
agencies and their lists of major decisions, officers and their certificates, entities and
their credit ratings, and the certificates revoked during the year.

The office keeps the registries; each agency registers its own officers and publishes its own
list of major decisions (so the agencies' permissions are exercised too).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from functools import partial
from typing import Any

from domain.registry import commands as reg
from domain.registry.exemption_list import ExemptionItem
from domain.values import EnforcementDomain
from gateway.simulation import names
from gateway.simulation.acts import ExemptionListPlan, known
from gateway.simulation.engine import Phase, Step
from gateway.simulation.world import (
    OFFICE,
    GridCellSpec,
    ItemSpec,
    SimAgency,
    SimEntity,
    SimOfficer,
)
from gateway.simulation.year import SimulatedYear


def registry_phases(
    year: SimulatedYear, published: Collection[EnforcementDomain] = ()
) -> list[Phase[Any]]:
    """``published``: fields whose exemption list (version 1) the ledger already holds."""
    world = year.world
    in_force = date(year.profile.year - 1, 7, 1)
    lists = [plan for plan in year.exemption_lists if plan.domain not in published]
    return [
        Phase("grid", world.grid, _grid_cell),
        Phase("inspection list", [i for items in world.items.values() for i in items], _item),
        Phase("exemption lists", lists, partial(_exemption_list, in_force=in_force)),
        # Registered long before the year: the oldest certificates are twelve years old.
        Phase(
            "agencies",
            world.agencies,
            partial(_agency, registered_on=date(max(2000, year.profile.year - 13), 1, 1)),
        ),
        Phase("officers", world.officers, _officer),
        Phase("entities", world.entities, _entity),
    ]


def revocation_phases(year: SimulatedYear) -> list[Phase[Any]]:
    """The year's certificate revocations, written after every act: once a revocation is on
    file the officer can be named in nothing recorded later, whatever the act's day, and the
    simulation writes the year phase by phase, not day by day."""
    world = year.world
    return [Phase("revocations", [o for o in world.officers if o.revoked_on], _revocation)]


def _grid_cell(cell: GridCellSpec) -> list[Step]:
    return [(reg.DefineGridCell(code=cell.code, name=cell.name, street=cell.street), OFFICE)]


def _item(item: ItemSpec) -> list[Step]:
    command = reg.ListInspectionItem(
        code=item.code, name=item.name, domain=item.domain, legal_basis=item.legal_basis
    )
    return [(command, OFFICE)]


def _exemption_list(plan: ExemptionListPlan, in_force: date) -> list[Step]:
    domain = plan.domain
    violations = names.VIOLATIONS[domain]
    items = [
        ExemptionItem(
            code=f"{domain.value.replace('_', '-').upper()}-E{k:02d}",
            violation=f"首次{violations[k % len(violations)]}，危害后果轻微并及时改正（情形{k}）",
            legal_basis=f"《中华人民共和国行政处罚法》第三十三条；{names.LAWS[domain]}",
        )
        for k in range(1, plan.items + 1)
    ]
    command = reg.PublishExemptionList(
        domain=domain, version=1, in_force_from=in_force, items=items
    )
    return [(command, OFFICE)]


def clerk(agency: SimAgency) -> SimOfficer:
    """The officer who records the agency's registry acts."""
    return agency.stable[0]


def _agency(agency: SimAgency, registered_on: date) -> list[Step]:
    return [
        (
            reg.RegisterAgency(
                code=agency.code,
                name=agency.name,
                domains=list(agency.domains),
                registered_on=registered_on,
            ),
            OFFICE,
        ),
        (
            reg.PublishMajorDecisionList(agency_id=agency.id, items=agency.major_items),
            clerk(agency).actor,
        ),
    ]


def _officer(officer: SimOfficer) -> list[Step]:
    register = reg.RegisterOfficer(
        officer_no=officer.no,
        name=officer.name,
        agency_id=officer.agency.id,
        frontline=officer.frontline,
    )
    issue = reg.IssueCertificate(
        officer_id=officer.id, number=officer.certificate_no, issued_on=officer.issued_on
    )
    return [(register, clerk(officer.agency).actor), (issue, OFFICE)]


def _entity(entity: SimEntity) -> list[Step]:
    steps: list[Step] = [
        (
            reg.RegisterEntity(
                uscc=entity.uscc,
                name=entity.name,
                address=entity.address,
                grid_cell=entity.grid_cell,
            ),
            OFFICE,
        )
    ]
    if entity.rating is not None and entity.rated_on is not None:
        rate = reg.RateEntityCredit(
            entity_id=entity.id, rating=entity.rating, rated_on=entity.rated_on
        )
        steps.append((rate, OFFICE))
    return steps


REASON_NOTES = {
    "retirement": "退休",
    "reassignment": "工作岗位调整，不再从事行政执法工作",
    "reorganisation": "开发区法定机构改革，内设机构职能及人员岗位变更",
    "other": "其他原因",
}


def _revocation(officer: SimOfficer) -> list[Step]:
    reason = known(officer.reason, f"the revocation reason of {officer.no}")
    command = reg.RevokeCertificate(
        officer_id=officer.id,
        revoked_on=known(officer.revoked_on, f"the revocation of {officer.no}"),
        reason=reason,
        note=REASON_NOTES[reason.value],
    )
    return [(command, OFFICE)]
