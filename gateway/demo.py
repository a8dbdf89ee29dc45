"""A small demo data set, so a newcomer running ``make run`` sees something at once.

Every record is written through the real commands (every rule applies). The demo goes only
into an empty ledger: a ledger holding any record — the demo's, or any other (a simulated
year, a deployment's) — is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from domain.actors import Role
from domain.application import SupervisionLedger
from domain.registry import commands as reg
from domain.registry.agency import Agency
from domain.registry.exemption_list import ExemptionItem
from domain.registry.uscc import check_character
from domain.values import CreditRating, EnforcementDomain
from gateway import (
    demo_cases,
    demo_collaboration,
    demo_field,
    demo_inspection,
    demo_oversight,
    demo_planning,
)
from gateway.auth import Grant, grant_token
from gateway.demo_run import create

AGENCIES = [
    ("MSA", "滨海新区市场监督管理局", [EnforcementDomain.MARKET]),
    ("ECO", "滨海新区生态环境局", [EnforcementDomain.ECOLOGY]),
    ("URB", "滨海新区城市管理综合执法局", [EnforcementDomain.URBAN, EnforcementDomain.HOUSING]),
]
ENTITIES = [
    ("天津滨海钢材贸易有限公司", CreditRating.A, "G-001"),
    ("滨海新港物流有限公司", CreditRating.B, "G-002"),
    ("塘沽化工原料有限公司", CreditRating.C, "G-003"),
    ("泰达餐饮管理有限公司", CreditRating.A, "G-001"),
]
DemoStep = Callable[[SupervisionLedger], None]
EXTRA_STEPS: list[DemoStep] = [
    demo_planning.load,
    demo_inspection.load,
    demo_field.load,
    demo_cases.load,
    demo_oversight.load,
    demo_collaboration.load,
]
"""Each area of the ledger adds its own demo records (plans, cases, tickets …), in this order."""


def demo_uscc(seq: int) -> str:
    first17 = f"91120116{seq:09d}"
    return first17 + check_character(first17)


def demo_present(ledger: SupervisionLedger) -> bool:
    """Whether the demo data set is in the ledger (its market regulator is)."""
    return Agency.create_id("MSA") in ledger.repository


def load_demo(ledger: SupervisionLedger) -> bool:
    """Load the demo data set into an empty ledger; ``False``, writing nothing, when the ledger
    already holds records (the demo's or others: its commands would clash with them)."""
    if ledger.recorder.max_notification_id():
        return False
    for code, name in [
        ("G-001", "新港街道一网格"),
        ("G-002", "新港街道二网格"),
        ("G-003", "塘沽街道一网格"),
    ]:
        create(ledger, reg.DefineGridCell(code=code, name=name, street=name[:4]))
    for code, name, domains in AGENCIES:
        agency_id = Agency.create_id(code)
        create(
            ledger,
            reg.RegisterAgency(
                code=code, name=name, domains=domains, registered_on=date(2020, 1, 1)
            ),
        )
        for n in range(1, 4):
            officer_no = f"{code}-{n:03d}"
            officer_id = create(
                ledger,
                reg.RegisterOfficer(
                    officer_no=officer_no,
                    name=f"{name[4:6]}执法员{n}",
                    agency_id=agency_id,
                    frontline=n < 3,
                ),
            )
            if officer_id is not None:
                create(
                    ledger,
                    reg.IssueCertificate(
                        officer_id=officer_id,
                        number=f"12011600{code}{n:03d}",
                        issued_on=date(2021, 3, 1),
                    ),
                )
    for seq, (name, rating, cell) in enumerate(ENTITIES, start=1):
        entity_id = create(
            ledger, reg.RegisterEntity(uscc=demo_uscc(seq), name=name, grid_cell=cell)
        )
        if entity_id is not None:
            create(
                ledger,
                reg.RateEntityCredit(entity_id=entity_id, rating=rating, rated_on=date(2023, 1, 5)),
            )
    create(
        ledger,
        reg.ListInspectionItem(
            code="MKT-001",
            name="产品质量监督检查",
            domain=EnforcementDomain.MARKET,
            legal_basis="《中华人民共和国产品质量法》第十五条",
        ),
    )
    create(
        ledger,
        reg.PublishExemptionList(
            domain=EnforcementDomain.MARKET,
            version=1,
            in_force_from=date(2022, 7, 1),
            items=[
                ExemptionItem(
                    code="MKT-E-01",
                    violation="首次未按规定公示营业执照，及时改正",
                    legal_basis="《市场主体登记管理条例》第四十八条",
                )
            ],
        ),
    )
    for step in EXTRA_STEPS:
        step(ledger)
    return True


def demo_grants() -> list[tuple[str, str, Grant]]:
    """A fresh token per role: (role description, token, grant with only the token's hash)."""
    made = [
        (
            "supervisor (district supervision office)",
            *grant_token(principal="demo-office", role=Role.SUPERVISOR, label="demo"),
        ),
        ("auditor", *grant_token(principal="demo-auditor", role=Role.AUDITOR, label="demo")),
        (
            "agency officer (MSA)",
            *grant_token(
                principal="demo-msa-officer",
                role=Role.AGENCY_OFFICER,
                agency_id=Agency.create_id("MSA"),
                label="demo",
            ),
        ),
        (
            "partner region (tangshan)",
            *grant_token(
                principal="demo-tangshan", role=Role.PARTNER, region="tangshan", label="demo"
            ),
        ),
    ]
    return made
