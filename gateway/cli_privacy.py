"""``ledger privacy …``: find a person's subject id, and erase a subject's personal data.

``ledger privacy subject --id-number 12010119900101123X`` prints the subject ids a person is
recorded under (by id number; by name and phone when no id number was recorded), whether each
still has a data key, the events whose personal data is sealed under it, and the erasures
recorded. Once a person is erased the details find nothing (the vault forgot the link);
``--subject ID`` shows what the ledger holds under a subject id, erased or not.

``ledger privacy erase --subject … --ground … --reference … --authorised-by …`` destroys the
subject's keys and records the erasure as an event (see ``infra/privacy/erasure.py``); it is
safe to run again after a failure.
"""

from __future__ import annotations

from typing import Annotated

import orjson
import typer

from domain.application import SupervisionLedger
from domain.errors import DomainError
from gateway.command_line import fail, open_or_exit
from infra.eventstore import LedgerRecorder
from infra.privacy.erasure import SUBJECT, ErasureGround, erase, subject_report
from infra.privacy.vault import KeyVault

privacy_app = typer.Typer(
    help="Personal data: subject ids and lawful erasure.", no_args_is_help=True
)


def _open() -> tuple[SupervisionLedger, KeyVault, str]:
    _, database, ledger = open_or_exit()
    recorder = ledger.recorder
    if not isinstance(recorder, LedgerRecorder):
        raise TypeError("the ledger's event store is not the ledger recorder")
    return ledger, KeyVault(database.url), recorder.events_table_name


@privacy_app.command("subject")
def subject(
    id_number: Annotated[
        str | None, typer.Option(help="The person's resident id or passport number.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="The person's name (as recorded).")] = None,
    phone: Annotated[str | None, typer.Option(help="The person's phone (as recorded).")] = None,
    subject_id: Annotated[
        str | None,
        typer.Option("--subject", help="A subject id (an erasure record's, a partner's)."),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The subject ids a person is recorded under, and what the ledger holds of each."""
    if not id_number and not name and not subject_id:
        raise fail(
            "give --id-number, or --name (with --phone if one was recorded), or --subject", 2
        )
    if subject_id is not None and not SUBJECT.match(subject_id):
        raise fail(f"{subject_id!r} is not a subject id (32 hexadecimal digits)", 2)
    ledger, vault, table = _open()
    try:
        candidates = [subject_id] if subject_id else []
        if id_number or name:
            candidates += vault.candidate_subjects(id_number=id_number, name=name, phone=phone)
        reports = [subject_report(vault, s, table) for s in dict.fromkeys(candidates)]
    finally:
        vault.close()
        ledger.close()
    if json:
        typer.echo(orjson.dumps([r.to_json() for r in reports], option=orjson.OPT_INDENT_2))
        return
    if not reports:
        # An erased person is not findable by their details any more (the vault forgot them).
        typer.echo("no subject is recorded under these details (never recorded, or erased)")
    for report in reports:
        typer.echo(
            f"subject {report.subject}: {len(report.events)} events, "
            f"{'a live key' if report.live_keys else 'no live key'}, "
            f"{len(report.erasures)} erasures"
        )
        for e in report.events:
            typer.echo(f"  {e.position:>10}  {e.topic:40s} {e.aggregate_id} v{e.version}")
        for erasure in report.erasures:
            typer.echo(
                f"  erased {erasure['recorded_at']} ({erasure['ground']}, {erasure['reference']},"
                f" authorised by {erasure['authorised_by']})"
            )


@privacy_app.command("erase")
def erase_subject(
    subject: Annotated[str, typer.Option(help="The subject id (see `ledger privacy subject`).")],
    ground: Annotated[ErasureGround, typer.Option(help="The legal ground (PIPL art. 47).")],
    reference: Annotated[str, typer.Option(help="The request or decision's document number.")],
    authorised_by: Annotated[str, typer.Option(help="The official who authorised it.")],
    note: Annotated[str, typer.Option(help="A note for the record (no personal data).")] = "",
) -> None:
    """Destroy a subject's data keys and record the erasure (who, when, ground; no data)."""
    ledger, vault, _ = _open()
    try:
        outcome = erase(
            ledger,
            vault,
            subject=subject,
            ground=ground,
            reference=reference,
            authorised_by=authorised_by,
            note=note,
        )
    except DomainError as error:
        raise fail(error.message) from None
    finally:
        vault.close()
        ledger.close()
    if outcome.already_recorded:
        typer.echo(
            f"erasure {outcome.record_id} was already recorded; "
            f"{outcome.keys_destroyed} leftover keys destroyed"
        )
    else:
        typer.echo(
            f"erased subject {outcome.subject}: {outcome.keys_destroyed} keys destroyed, "
            f"recorded as {outcome.record_id}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(privacy_app, name="privacy")
