"""How the registry commands are carried out."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.application import UnitOfWork, handles
from domain.errors import AlreadyExists
from domain.registry import commands as c
from domain.registry import rules
from domain.registry.agency import Agency
from domain.registry.entity import Entity
from domain.registry.exemption_list import ExemptionList
from domain.registry.grid_cell import GridCell
from domain.registry.inspection_item import InspectionItem
from domain.registry.officer import CertificateNumber, Officer
from domain.values import local_date


@handles(c.RegisterAgency)
def register_agency(uow: UnitOfWork, cmd: c.RegisterAgency) -> Agency:
    ident = Agency.create_id(cmd.code)
    if uow.exists(ident):
        raise AlreadyExists("agency", cmd.code)
    registered_on = cmd.registered_on or local_date(datetime.now(UTC))
    return uow.add(
        Agency(code=cmd.code, name=cmd.name, domains=cmd.domains, registered_on=registered_on)
    )


@handles(c.ChangeAgencyDomains)
def change_agency_domains(uow: UnitOfWork, cmd: c.ChangeAgencyDomains) -> Agency:
    agency = uow.get(Agency, cmd.agency_id)
    agency.change_domains(domains=cmd.domains)
    return agency


@handles(c.PublishMajorDecisionList)
def publish_major_decision_list(uow: UnitOfWork, cmd: c.PublishMajorDecisionList) -> Agency:
    agency = uow.get(Agency, cmd.agency_id)
    uow.actor.require_agency(agency.id)
    agency.publish_major_decision_list(cmd.items)
    return agency


@handles(c.RegisterOfficer)
def register_officer(uow: UnitOfWork, cmd: c.RegisterOfficer) -> Officer:
    agency = uow.get(Agency, cmd.agency_id)
    uow.actor.require_agency(agency.id)
    ident = Officer.create_id(cmd.officer_no)
    if uow.exists(ident):
        raise AlreadyExists("officer", cmd.officer_no)
    return uow.add(
        Officer(
            officer_no=cmd.officer_no,
            name=cmd.name,
            agency_id=agency.id,
            frontline=cmd.frontline,
        )
    )


@handles(c.IssueCertificate)
def issue_certificate(uow: UnitOfWork, cmd: c.IssueCertificate) -> Officer:
    officer = uow.get(Officer, cmd.officer_id)
    claim = CertificateNumber.create_id(cmd.number)
    if uow.exists(claim):
        raise AlreadyExists("enforcement certificate", cmd.number)
    officer.issue_certificate(number=cmd.number, issued_on=cmd.issued_on)
    uow.add(CertificateNumber(number=cmd.number, officer_id=officer.id))
    return officer


@handles(c.RevokeCertificate)
def revoke_certificate(uow: UnitOfWork, cmd: c.RevokeCertificate) -> Officer:
    officer = uow.get(Officer, cmd.officer_id)
    officer.revoke_certificate(revoked_on=cmd.revoked_on, reason=cmd.reason, note=cmd.note)
    return officer


@handles(c.SetFrontline)
def set_frontline(uow: UnitOfWork, cmd: c.SetFrontline) -> Officer:
    officer = uow.get(Officer, cmd.officer_id)
    uow.actor.require_agency(officer.agency_id)
    if officer.frontline != cmd.frontline:
        effective_on = cmd.effective_on or local_date(datetime.now(UTC))
        officer.set_frontline(frontline=cmd.frontline, effective_on=effective_on)
    return officer


@handles(c.RecordTraining)
def record_training(uow: UnitOfWork, cmd: c.RecordTraining) -> Officer:
    officer = uow.get(Officer, cmd.officer_id)
    uow.actor.require_agency(officer.agency_id)
    officer.record_training(course=cmd.course, hours=cmd.hours, completed_on=cmd.completed_on)
    return officer


@handles(c.RegisterEntity)
def register_entity(uow: UnitOfWork, cmd: c.RegisterEntity) -> Entity:
    ident = Entity.create_id(cmd.uscc)
    if uow.exists(ident):
        raise AlreadyExists("entity", cmd.uscc)
    return uow.add(
        Entity(uscc=cmd.uscc, name=cmd.name, address=cmd.address, grid_cell=cmd.grid_cell)
    )


@handles(c.RateEntityCredit)
def rate_entity_credit(uow: UnitOfWork, cmd: c.RateEntityCredit) -> Entity:
    entity = uow.get(Entity, cmd.entity_id)
    entity.rate_credit(rating=cmd.rating, rated_on=cmd.rated_on)
    return entity


@handles(c.ListInspectionItem)
def list_inspection_item(uow: UnitOfWork, cmd: c.ListInspectionItem) -> InspectionItem:
    ident = InspectionItem.create_id(cmd.code)
    if uow.exists(ident):
        raise AlreadyExists("inspection item", cmd.code)
    return uow.add(
        InspectionItem(code=cmd.code, name=cmd.name, domain=cmd.domain, legal_basis=cmd.legal_basis)
    )


@handles(c.WithdrawInspectionItem)
def withdraw_inspection_item(uow: UnitOfWork, cmd: c.WithdrawInspectionItem) -> InspectionItem:
    item = uow.get(InspectionItem, cmd.item_id)
    rules.require_not_withdrawn(item.code, item.withdrawn)
    item.withdraw(reason=cmd.reason)
    return item


@handles(c.PublishExemptionList)
def publish_exemption_list(uow: UnitOfWork, cmd: c.PublishExemptionList) -> ExemptionList:
    ident = ExemptionList.create_id(cmd.domain, cmd.version)
    if uow.exists(ident):
        raise AlreadyExists("exemption list", f"{cmd.domain.value} v{cmd.version}")
    previous = (
        uow.find(ExemptionList, ExemptionList.create_id(cmd.domain, cmd.version - 1))
        if cmd.version > 1
        else None
    )
    rules.require_next_exemption_list_version(
        cmd.domain.value,
        cmd.version,
        cmd.in_force_from,
        previous.in_force_from if previous is not None else None,
        previous.last_cited_on if previous is not None else None,
    )
    # A new version takes over from the one before it on its first day.
    if previous is not None and previous.in_force_until is None:
        previous.repeal(in_force_until=cmd.in_force_from)
    return uow.add(
        ExemptionList(
            domain=cmd.domain,
            version=cmd.version,
            in_force_from=cmd.in_force_from,
            items=cmd.items,
        )
    )


@handles(c.DefineGridCell)
def define_grid_cell(uow: UnitOfWork, cmd: c.DefineGridCell) -> GridCell:
    ident = GridCell.create_id(cmd.code)
    if uow.exists(ident):
        raise AlreadyExists("grid cell", cmd.code)
    return uow.add(GridCell(code=cmd.code, name=cmd.name, street=cmd.street))
