"""docs/api.md, written from what is served: the gateway's route table and the ``ledger`` commands.

``python -m gateway.api_doc`` rewrites the file; ``tests/unit/test_api_doc.py`` fails when the
file differs from what this module renders, so the note cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from gateway.api import ApiRoute
from gateway.app import all_routes
from gateway.rule_index import rules_of

TARGET = Path(__file__).resolve().parent.parent / "docs" / "api.md"

HEADER = """\
# The ledger's endpoints and commands

Written by `python -m gateway.api_doc` from the gateway's route table and the `ledger` command
line; `tests/unit/test_api_doc.py` fails when this file is out of date. The OpenAPI 3.1 document
the gateway serves at `/openapi.json` has the request and response schemas.

Every error is an RFC 9457 problem (`application/problem+json`): 401 without a valid bearer
token, 403 for a role or agency that may not, 404 for an unknown id, 409 naming the rule a
command breaks (`rule`), 412 when `If-Match` names a version that is no longer current, 422
with the field errors (`errors`), 503 when the event store is unreachable. A command sent with
an `Idempotency-Key` it was sent with before answers as it did the first time and writes
nothing new. A command that creates a record answers 201 with a `Location` header (the record's
GET URL); one that changes a record answers 200.

The rules listed for a command are those its handler raises, directly or through the domain
functions and aggregate methods it calls (found in the code by `gateway/rule_index.py`); the
list can miss a rule raised behind a call it cannot resolve, and names none that is not raised.
"""


def _roles(route: ApiRoute) -> str:
    if route.roles is None:
        return "public (no token)"
    return ", ".join(sorted(role.value for role in route.roles))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def commands_table(api: list[ApiRoute]) -> list[str]:
    lines = [
        "## Commands (write)",
        "",
        "| Method | Path | Command | Roles | Success | Rules it can refuse with |",
        "|---|---|---|---|---|---|",
    ]
    for route in sorted(api, key=lambda r: (r.path, r.method)):
        command = route.command
        if command is None:
            continue
        rules = ", ".join(f"`{rule}`" for rule in rules_of(command)) or "—"
        lines.append(
            f"| {route.method} | `{route.path}` | {route.operation_id} | {_roles(route)} "
            f"| 201 / 200 | {rules} |"
        )
    return lines


def reads_table(api: list[ApiRoute]) -> list[str]:
    lines = [
        "## Reads and everything else",
        "",
        "| Method | Path | Operation | Roles | Success | What |",
        "|---|---|---|---|---|---|",
    ]
    for route in sorted(api, key=lambda r: (r.path, r.method)):
        if route.command is not None:
            continue
        lines.append(
            f"| {route.method} | `{route.path}` | {route.operation_id} | {_roles(route)} "
            f"| {route.response_status} | {_cell(route.summary)} |"
        )
    return lines


def cli_table(group: Any, prefix: str = "ledger") -> list[str]:
    """One row per command of typer's (click) group, subgroups flattened."""
    lines: list[str] = []
    context = group.make_context(prefix, [], resilient_parsing=True)
    for name in sorted(group.list_commands(context)):
        command = group.get_command(context, name)
        if command is None or command.hidden:
            continue
        full = f"{prefix} {name}"
        if hasattr(command, "list_commands"):
            lines.extend(cli_table(command, full))
            continue
        options = " ".join(
            sorted(
                p.opts[0]
                for p in command.params
                if p.param_type_name == "option" and p.opts[0] != "--help"
            )
        )
        summary = (command.help or "").strip().splitlines()[0] if command.help else ""
        lines.append(f"| `{full}` | {_cell(options) or '—'} | {_cell(summary)} |")
    return lines


def render() -> str:
    from gateway.cli import app

    api = all_routes()
    group = typer.main.get_command(app)
    parts = [
        HEADER,
        *commands_table(api),
        "",
        *reads_table(api),
        "",
        "## The `ledger` command line",
        "",
        "| Command | Options | What |",
        "|---|---|---|",
        *cli_table(group),
    ]
    return "\n".join(parts) + "\n"


def main() -> None:
    TARGET.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET}\n")


if __name__ == "__main__":
    main()
