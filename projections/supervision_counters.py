"""Supervision counters: enforcement acts per agency, kind and day, and who took part in them —
what the report adds up and what the supervision indicators are computed from.

Four tables, all counters (so events of different aggregates may arrive in any order):

- ``acts_daily(agency_id, kind, day, n)``: every act of ``ACTS`` below, by the district's
  calendar day of the act itself (not of its recording), credited to the *acting* (lead)
  agency once — a joint inspection is one inspection, so sums over agencies are district
  totals;
- ``events_daily(topic, day, n)``: every event by topic and day of recording — the pipeline's
  own tally, checked against the event store in tests;
- ``officer_acts_monthly(officer_id, month, n)``: enforcement acts (``ENFORCEMENT``) per officer
  named on them and month (first day of the month) — the participation rate's numerator, joined
  at query time with the certificates (who was certified) of the officers projection;
- ``agency_acts_monthly(agency_id, month, n)``: enforcement acts per agency *taking part* (the
  lead and, for a joint inspection, every partner agency) and month — the performance rate's.

Which event is which act, where its date, agency and officers are, is the table ``ACTS``.
The enforcement acts are the five the per-capita volume adds up (人均执法量): inspections,
penalties, patrols, on-site corrections and education corrections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from consumers.envelope import Envelope
from projections.model import Add, Change, Projection, Table
from projections.values import day_of, district_day, uuid_of

Payload = Mapping[str, Any]

INSPECTION = "inspection"
PENALTY = "penalty"
PATROL = "patrol"
ON_SITE_CORRECTION = "on_site_correction"
EDUCATION_CORRECTION = "education_correction"
ENFORCEMENT = (INSPECTION, PENALTY, PATROL, ON_SITE_CORRECTION, EDUCATION_CORRECTION)
"""The acts of the per-capita enforcement volume, participation and performance rates."""


@dataclass(frozen=True)
class Act:
    kind: str
    when: str
    """The payload field holding the act's date or time."""
    agency: str = "agency_id"
    """The payload field holding the acting (lead) agency's id."""
    where: Callable[[Payload], bool] | None = None
    """Only events whose payload satisfies this are this act."""
    officers: str | None = None
    """The payload field listing the officers who did it (enforcement acts)."""
    partners: str | None = None
    """The payload field listing every agency taking part (a joint inspection)."""

    enforcement: bool = field(init=False)
    """One of the acts the supervision indicators count (``ENFORCEMENT``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "enforcement", self.kind in ENFORCEMENT)


def _outcome_is(*outcomes: str) -> Callable[[Payload], bool]:
    wanted = frozenset(outcomes)
    return lambda payload: payload["outcome"] in wanted


def _inspected(payload: Payload) -> bool:
    return bool(payload["outcome"] != "refused_by_entity")


def _ordinary(payload: Payload) -> bool:
    return bool(payload["procedure"] == "ordinary")


ACTS: Mapping[str, tuple[Act, ...]] = {
    "Officer.CertificateIssued": (Act("certificate_issued", "issued_on"),),
    "Officer.CertificateRevoked": (Act("certificate_revoked", "revoked_on"),),
    "Inspection.Concluded": (
        Act(
            INSPECTION,
            "concluded_at",
            where=_inspected,
            officers="officer_ids",
            partners="agency_ids",
        ),
        Act(
            ON_SITE_CORRECTION,
            "concluded_at",
            where=_outcome_is("corrected_on_site"),
            officers="officer_ids",
            partners="agency_ids",
        ),
        Act("refused_by_entity", "concluded_at", where=_outcome_is("refused_by_entity")),
    ),
    "InspectionRefusal.RefusedForMissingCertificates": (
        Act("refused_for_missing_certificates", "attempted_at"),
    ),
    "AreaPatrol.Recorded": (Act(PATROL, "patrol_date", officers="officer_ids"),),
    "PenaltyCase.Opened": (Act("case_filed", "opened_on", where=_ordinary),),
    "PenaltyCase.Decided": (Act(PENALTY, "decided_on", officers="officer_ids"),),
    "PenaltyCase.EducationCorrected": (
        Act(EDUCATION_CORRECTION, "decided_on", officers="officer_ids"),
    ),
    "PenaltyCase.Exempted": (Act("penalty_exemption", "decided_on"),),
    "PenaltyCase.Dismissed": (Act("case_dismissed", "decided_on"),),
    "HotlineTicket.Handled": (Act("ticket_handled", "handled_at"),),
    "JointAction.SiteChecked": (Act("joint_site_checked", "checked_on"),),
    "CaseTransfer.Transferred": (Act("case_transferred", "transferred_on"),),
    "CrossRegionalCase.Decided": (Act("cross_regional_decision", "decided_on"),),
}

ACTS_DAILY = Table(
    "acts_daily",
    keys={"agency_id": "uuid", "kind": "text", "day": "date"},
    counters={"n": "bigint"},
    indexes=["(day)", "(kind, day)"],
)
EVENTS_DAILY = Table(
    "events_daily", keys={"topic": "text", "day": "date"}, counters={"n": "bigint"}
)
OFFICER_ACTS_MONTHLY = Table(
    "officer_acts_monthly",
    keys={"officer_id": "uuid", "month": "date"},
    counters={"n": "bigint"},
    indexes=["(month)"],
)
AGENCY_ACTS_MONTHLY = Table(
    "agency_acts_monthly",
    keys={"agency_id": "uuid", "month": "date"},
    counters={"n": "bigint"},
    indexes=["(month)"],
)


class SupervisionCounters(Projection):
    NAME = "supervision_counters"
    TABLES = (ACTS_DAILY, EVENTS_DAILY, OFFICER_ACTS_MONTHLY, AGENCY_ACTS_MONTHLY)

    def apply(self, event: Envelope) -> Iterable[Change]:
        # The hottest code of a rebuild (every event passes here): kept flat on purpose.
        yield Add(EVENTS_DAILY, (event.topic, district_day(event.recorded_at)), ONE)
        acts = ACTS.get(event.topic)
        if acts is None:
            return
        payload = event.payload
        for act in acts:
            if act.where is not None and not act.where(payload):
                continue
            day = day_of(payload[act.when])
            agency = payload[act.agency]
            lead = uuid_of(agency)
            yield Add(ACTS_DAILY, (lead, act.kind, day), ONE)
            if not act.enforcement:
                continue
            month = day.replace(day=1)
            if act.partners:
                for partner in {agency, *payload[act.partners]}:
                    yield Add(AGENCY_ACTS_MONTHLY, (uuid_of(partner), month), ONE)
            else:
                yield Add(AGENCY_ACTS_MONTHLY, (lead, month), ONE)
            if act.officers:
                for officer_id in set(payload[act.officers]):
                    yield Add(OFFICER_ACTS_MONTHLY, (uuid_of(officer_id), month), ONE)


ONE: Mapping[str, int] = MappingProxyType({"n": 1})
