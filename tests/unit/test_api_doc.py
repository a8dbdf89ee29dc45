"""docs/api.md is what the code serves: regenerated here and compared."""

from __future__ import annotations

from domain.cases import commands as cases
from domain.registry import commands as registry
from gateway.api_doc import TARGET, render
from gateway.app import all_routes
from gateway.rule_index import rules_of


def test_docs_api_md_is_up_to_date() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(), (
        "docs/api.md is out of date: run `.venv/bin/python -m gateway.api_doc`"
    )


def test_every_route_and_cli_command_is_listed() -> None:
    text = render()
    for route in all_routes():
        assert f"| {route.method} | `{route.path}` | {route.operation_id} |" in text
    for command in ("ledger serve", "ledger tokens add", "ledger privacy erase"):
        assert f"| `{command}` |" in text


def test_the_rules_of_a_command_are_read_from_its_handler() -> None:
    issue = rules_of(registry.IssueCertificate)
    assert {"certificate-dates-in-order", "one-certificate-at-a-time"} <= set(issue)
    assert issue == sorted(issue)
    assert "one-certificate-at-a-time" not in rules_of(registry.RegisterAgency)
    decide = rules_of(cases.DecideOnTheSpot)
    assert {"simple-procedure-cap", "two-officers"} <= set(decide)
    # ... and not the rules of another aggregate's method of the same name.
    assert "collaboration-dates-in-order" not in decide
