"""The registries, told as given / when / then: agencies and their major-decision lists,
entities and their credit ratings, the inspection-item list, penalty-exemption lists, grid
cells and certificate-number claims."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import RuleViolation
from domain.registry import rules
from domain.registry.agency import Agency, MajorDecisionItem
from domain.registry.entity import Entity
from domain.registry.exemption_list import ExemptionItem, ExemptionList
from domain.registry.grid_cell import GridCell
from domain.registry.inspection_item import InspectionItem
from domain.registry.officer import CertificateNumber
from domain.values import CreditRating, EnforcementDomain

pytestmark = pytest.mark.usefixtures("as_system")

MARKET = EnforcementDomain.MARKET
ITEM = ExemptionItem(code="MKT-E-01", violation="未明码标价", legal_basis="《价格法》")
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


def rebuilt(aggregate: object) -> object:
    state = None
    for event in aggregate.collect_events():  # type: ignore[attr-defined]
        state = event.mutate(state)
    return state


# Agencies ----------------------------------------------------------------------------------


def test_an_agency_s_major_decision_list_is_versioned_and_the_latest_applies() -> None:
    # Given an agency with no list of major decisions
    agency = Agency(code="MSA", name="市场监管局", domains=[MARKET])
    assert (agency.major_decision_list_version, agency.major_decisions) == (0, [])
    # When it publishes one, then another
    first = [MajorDecisionItem(code="licence_revocation", description="吊销许可证件")]
    second = [
        *first,
        MajorDecisionItem(code="large_fine", description="较大数额罚款", fine_threshold_fen=10**7),
    ]
    agency.publish_major_decision_list(first)
    agency.publish_major_decision_list(second)
    # Then the versions count up and the latest list is the one decisions are checked against
    published = [
        e for e in agency.collect_events() if isinstance(e, Agency.MajorDecisionListPublished)
    ]
    assert [e.version for e in published] == [1, 2]
    assert agency.major_decision_list_version == 2
    assert agency.major_decisions == second
    assert Agency.create_id("MSA") == agency.id


def test_an_agency_s_fields_change_and_history_rebuilds_it() -> None:
    agency = Agency(code="URB", name="城市管理综合执法局", domains=[EnforcementDomain.URBAN])
    agency.change_domains([EnforcementDomain.URBAN, EnforcementDomain.HOUSING])
    assert agency.domains == [EnforcementDomain.URBAN, EnforcementDomain.HOUSING]
    assert rebuilt(agency) == agency


# Entities ----------------------------------------------------------------------------------


def test_an_entity_s_latest_credit_rating_is_kept_with_its_day() -> None:
    # Given an entity with no rating
    entity = Entity(uscc="91120116MA05JXXX0X", name="某公司", address="新港路1号", grid_cell=None)
    assert entity.state()["state"]["rating"] is None
    # When it is rated A, then C
    entity.rate_credit(CreditRating.A, date(2022, 12, 1))
    entity.rate_credit(CreditRating.C, date(2023, 6, 1))
    # Then the latest rating and its day are the entity's
    assert (entity.rating, entity.rated_on) == (CreditRating.C, date(2023, 6, 1))
    assert entity.id == Entity.create_id("91120116MA05JXXX0X")
    assert rebuilt(entity) == entity


# The inspection-item list ------------------------------------------------------------------


def test_an_inspection_item_is_listed_with_its_legal_basis_and_withdrawn_once() -> None:
    item = InspectionItem(code="MKT-001", name="价格检查", domain=MARKET, legal_basis="《价格法》")
    assert not item.withdrawn and item.legal_basis == "《价格法》"
    rules.require_not_withdrawn(item.code, item.withdrawn)
    item.withdraw(reason="并入MKT-002")
    assert item.withdrawn
    with pytest.raises(RuleViolation) as refused:
        rules.require_not_withdrawn(item.code, item.withdrawn)
    assert refused.value.rule == "withdraw-once"
    assert "MKT-001" in str(refused.value)


# Penalty-exemption lists -------------------------------------------------------------------


def a_list(version: int = 1, in_force_from: date = date(2023, 1, 1)) -> ExemptionList:
    return ExemptionList(domain=MARKET, version=version, in_force_from=in_force_from, items=[ITEM])


@given(first=days, day=days, until=st.one_of(st.none(), days))
def test_a_list_is_in_force_from_its_first_day_until_repealed(
    first: date, day: date, until: date | None
) -> None:
    listed = a_list(in_force_from=first)
    if until is not None:
        listed.repeal(until)
    expected = first <= day and (until is None or day < until)
    assert listed.in_force_on(day) is expected
    assert listed.item("MKT-E-01") == ITEM and listed.item("X") is None


def test_a_citation_moves_the_last_cited_day_forward_only() -> None:
    listed = a_list()
    listed.cite("MKT-E-01", uuid4(), date(2023, 6, 10))
    listed.cite("MKT-E-01", uuid4(), date(2023, 5, 1))
    assert listed.last_cited_on == date(2023, 6, 10)
    assert rebuilt(listed) == listed


@given(
    previous=days,
    offset=st.integers(min_value=-400, max_value=400),
    cited=st.one_of(st.none(), st.integers(min_value=0, max_value=400)),
)
def test_versions_follow_each_other_and_never_come_into_force_retroactively(
    previous: date, offset: int, cited: int | None
) -> None:
    in_force_from = previous + timedelta(days=offset)
    last_cited = None if cited is None else previous + timedelta(days=cited)
    refused_by = None
    if in_force_from <= previous:
        refused_by = "exemption-list-versions-in-order"
    elif last_cited is not None and in_force_from <= last_cited:
        refused_by = "exemption-list-not-retroactive"
    if refused_by is None:
        rules.require_next_exemption_list_version("market", 2, in_force_from, previous, last_cited)
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.require_next_exemption_list_version(
                "market", 2, in_force_from, previous, last_cited
            )
        assert refused.value.rule == refused_by


def test_a_version_needs_the_one_before_it() -> None:
    rules.require_next_exemption_list_version("market", 1, date(2023, 1, 1), None)
    with pytest.raises(RuleViolation) as refused:
        rules.require_next_exemption_list_version("market", 3, date(2023, 1, 1), None)
    assert refused.value.rule == "exemption-list-versions-in-order"
    assert "needs version 2 first" in str(refused.value)


# Grid cells and certificate numbers --------------------------------------------------------


def test_a_grid_cell_and_a_certificate_number_have_ids_of_their_natural_keys() -> None:
    cell = GridCell(code="G-001", name="新港街道一网格", street="新港街道")
    assert cell.id == GridCell.create_id("G-001") != GridCell.create_id("G-002")
    assert (cell.name, cell.street) == ("新港街道一网格", "新港街道")
    officer = uuid4()
    claim = CertificateNumber(number="12011600001", officer_id=officer)
    # One number, one officer, ever: a second claim would have the same id (and fail to save).
    assert claim.id == CertificateNumber.create_id("12011600001")
    assert claim.officer_id == officer
    assert rebuilt(cell) == cell and rebuilt(claim) == claim
