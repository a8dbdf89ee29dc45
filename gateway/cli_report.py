"""``ledger report --year 2023``: the annual report's basic situation from the projections.

Without Kafka the projections follow the event store in whichever process runs them (or in
none), so the command first catches the embedded projections up with the event store: the
figures are those of every event written so far. With Kafka configured the views are the
projection runners' (``ledger project``), and the command only reads them — feeding them from
the store as well would count every event twice.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import orjson
import typer

from gateway.command_line import open_or_exit
from projections.report import LANGS, compute_annual_report, render_markdowns


class Format(StrEnum):
    MARKDOWN = "markdown"
    JSON = "json"


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"


def report(
    year: Annotated[int, typer.Option(help="The report's year.", min=2000, max=2100)],
    format: Annotated[Format, typer.Option(help="Markdown (default) or JSON.")] = Format.MARKDOWN,
    lang: Annotated[
        Lang | None, typer.Option(help="Only this language (Markdown; default both).")
    ] = None,
) -> None:
    """Print the annual report's basic situation (基本情况), computed from the projections."""
    from infra.wiring import follower_for

    settings, database, ledger = open_or_exit()
    try:
        if not settings.kafka_bootstrap:
            follower = follower_for(ledger, database)
            try:
                follower.catch_up()
            finally:
                follower.close()
        report = compute_annual_report(database.url, year)
    finally:
        ledger.close()
    if format is Format.JSON:
        typer.echo(orjson.dumps(report.as_json(), option=orjson.OPT_INDENT_2).decode())
    else:
        langs = [one for one in LANGS if lang is None or one == lang.value]
        typer.echo(render_markdowns(report.figures, year, langs, report.cases))


def register(app: typer.Typer) -> None:
    app.command("report")(report)
