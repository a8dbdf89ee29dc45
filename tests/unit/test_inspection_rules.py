"""The dual-certificate rule (双证), over generated moments, windows and certificate states."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.base import recording_as
from domain.errors import RuleViolation
from domain.inspection import rules
from domain.inspection.values import Outcome
from domain.planning.values import OfficerOnDuty, TaskRef
from domain.registry.officer import Officer
from domain.values import DISTRICT_ZONE, RevocationReason, local_date
from tests.conftest import TEST_META

ENTITY = uuid4()
TASK = TaskRef(plan_id=uuid4(), plan_no="P-1", task_no=1)
OTHER_TASK = TaskRef(plan_id=uuid4(), plan_no="P-2", task_no=1)


@dataclass
class Shown:
    """An e-inspection certificate as the rule reads it (see ``rules.Warrant``)."""

    valid_from: datetime
    valid_until: datetime
    officer_ids: list[UUID]
    issued_at: datetime
    revoked_at: datetime | None = None
    number: str = "EC-1"
    entity_id: UUID = ENTITY
    tasks: list[TaskRef] = field(default_factory=lambda: [TASK])


def officer(no: str, issued: date = date(2022, 1, 1), revoked: date | None = None) -> Officer:
    with recording_as(TEST_META):
        o = Officer(officer_no=no, name=f"officer {no}", agency_id=uuid4(), frontline=True)
        o.issue_certificate(number=f"C-{no}", issued_on=issued)
        if revoked is not None:
            o.revoke_certificate(revoked, RevocationReason.RETIREMENT, note="")
    return o


MOMENT = datetime(2023, 3, 10, 10, tzinfo=DISTRICT_ZONE)
TWO = [officer("M1"), officer("M2")]


def good_certificate(officers: list[Officer] = TWO) -> Shown:
    return Shown(
        valid_from=MOMENT - timedelta(hours=1),
        valid_until=MOMENT + timedelta(hours=8),
        officer_ids=[o.id for o in officers],
        issued_at=MOMENT - timedelta(days=1),
    )


def refused_rule(**changes: object) -> str | None:
    args: dict[str, object] = {
        "moment": MOMENT,
        "officers": TWO,
        "shown": "EC-1",
        "warrant": good_certificate(),
        "entity_id": ENTITY,
        "tasks": [TASK],
    }
    args.update(changes)
    try:
        rules.require_dual_certificates(**args)  # type: ignore[arg-type]
    except RuleViolation as violation:
        return violation.rule
    return None


def test_two_certified_officers_under_a_certificate_naming_them_may_start() -> None:
    assert refused_rule() is None


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"officers": TWO[:1]}, "two-officers"),
        ({"officers": [TWO[0], TWO[0]]}, "two-officers"),
        ({"shown": None, "warrant": None}, "e-certificate-shown"),
        ({"warrant": None}, "e-certificate-shown"),
        ({"entity_id": uuid4()}, "e-certificate-names-the-inspection"),
        ({"tasks": [TASK, OTHER_TASK]}, "e-certificate-names-the-inspection"),
        ({"officers": [TWO[0], officer("X9")]}, "e-certificate-names-the-inspection"),
        ({"moment": MOMENT + timedelta(hours=9)}, "e-certificate-in-force"),
        ({"moment": MOMENT - timedelta(hours=2)}, "e-certificate-in-force"),
    ],
)
def test_each_missing_piece_names_its_rule(changes: dict[str, object], rule: str) -> None:
    assert refused_rule(**changes) == rule


def test_a_revoked_enforcement_certificate_refuses_the_start() -> None:
    retired = officer("M3", revoked=date(2023, 3, 10))
    officers = [TWO[0], retired]
    assert refused_rule(officers=officers, warrant=good_certificate(officers)) == (
        "certified-officers-only"
    )


def test_a_certificate_issued_after_the_start_warrants_nothing() -> None:
    late = good_certificate()
    late.issued_at = MOMENT + timedelta(minutes=5)
    assert refused_rule(warrant=late) == "e-certificate-in-force"


moments = st.datetimes(
    min_value=datetime(2023, 1, 1),
    max_value=datetime(2023, 12, 31),
    timezones=st.just(DISTRICT_ZONE),
)
spans = st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=10))
offsets = st.timedeltas(min_value=timedelta(days=-10), max_value=timedelta(days=10))
days = st.dates(min_value=date(2022, 12, 1), max_value=date(2024, 1, 31))


@given(
    moment=moments,
    valid_from=moments,
    span=spans,
    issued_before=offsets,
    revoked_after=st.one_of(st.none(), offsets),
    certified_from=days,
    certificate_revoked=st.one_of(st.none(), days),
)
def test_the_start_is_allowed_exactly_when_every_condition_holds(
    moment: datetime,
    valid_from: datetime,
    span: timedelta,
    issued_before: timedelta,
    revoked_after: timedelta | None,
    certified_from: date,
    certificate_revoked: date | None,
) -> None:
    revoked = (
        certificate_revoked
        if certificate_revoked and certificate_revoked >= certified_from
        else None
    )
    officers = [officer("M1"), officer("M2", issued=certified_from, revoked=revoked)]
    warrant = Shown(
        valid_from=valid_from,
        valid_until=valid_from + span,
        officer_ids=[o.id for o in officers],
        issued_at=valid_from - issued_before,
        revoked_at=None if revoked_after is None else valid_from + revoked_after,
    )
    day = local_date(moment)
    expected_ok = (
        all(o.certificate_on(day) is not None for o in officers)
        # A revocation on file bars the officer from anything recorded now, whatever its day.
        and all(o.current_certificate is not None for o in officers)
        and warrant.issued_at <= moment
        and warrant.valid_from <= moment < warrant.valid_until
        and (warrant.revoked_at is None or moment < warrant.revoked_at)
    )
    rule = refused_rule(moment=moment, officers=officers, warrant=warrant)
    if expected_ok:
        assert rule is None
    else:
        assert rule in {
            "certified-officers-only",
            "revoked-officer-in-nothing-new",
            "e-certificate-in-force",
        }


@given(outcome=st.sampled_from(Outcome), findings=st.text(max_size=20))
def test_findings_are_required_unless_compliant(outcome: Outcome, findings: str) -> None:
    if outcome is Outcome.COMPLIANT or findings.strip():
        rules.require_findings(outcome, findings)
    else:
        with pytest.raises(RuleViolation) as refused:
            rules.require_findings(outcome, findings)
        assert refused.value.rule == "findings-required"


def test_an_officer_present_and_not_named_is_named_in_the_refusal() -> None:
    stranger = officer("X9")
    with pytest.raises(RuleViolation) as refused:
        rules.require_dual_certificates(
            MOMENT, [TWO[0], stranger], "EC-1", good_certificate(), ENTITY, [TASK]
        )
    assert f"does not name the officer present {stranger.officer_no}" in str(refused.value)


@given(replaced=st.booleans())
def test_the_enforcement_certificate_shown_is_the_one_the_e_certificate_names(
    replaced: bool,
) -> None:
    # Given an e-inspection certificate naming M1 with enforcement certificate C-M1
    day = local_date(MOMENT)
    with recording_as(TEST_META):
        m1 = Officer(officer_no="M1", name="M1", agency_id=uuid4(), frontline=True)
        m1.issue_certificate(number="C-M1", issued_on=day - timedelta(days=400))
        if replaced:  # When M1's certificate was replaced by another since
            m1.revoke_certificate(day - timedelta(days=3), RevocationReason.OTHER, note="")
            m1.issue_certificate(number="C-M1-NEW", issued_on=day - timedelta(days=2))
    named = [OfficerOnDuty(officer_id=m1.id, certificate_no="C-M1")]
    if replaced:  # Then the certificate shown is not the one named
        with pytest.raises(RuleViolation) as refused:
            rules.require_certificates_as_named("EC-1", named, [m1], day)
        assert refused.value.rule == "e-certificate-names-the-inspection"
        assert "C-M1-NEW" in str(refused.value)
    else:
        rules.require_certificates_as_named("EC-1", named, [m1], day)


def test_the_task_inspected_is_the_entity_s() -> None:
    rules.require_task_of_entity(TASK, ENTITY, ENTITY)
    with pytest.raises(RuleViolation) as refused:
        rules.require_task_of_entity(TASK, ENTITY, uuid4())
    assert refused.value.rule == "task-of-the-entity"
