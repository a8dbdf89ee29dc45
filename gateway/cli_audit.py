"""``ledger history``, ``ledger verify``, ``ledger checkpointer`` and ``ledger audit …``.

- ``ledger history KIND ID [--as-of T] [--version N] [--format json|markdown|html]``: a
  record's case file (the read is recorded in the audit trail of ``ledger-cli:<user>``);
- ``ledger verify [--public-key KEY]… [--trusted-checkpoint FILE]… [--checkpoints-from-kafka]
  [--json]``: every event's
  chain, every checkpoint's signature and root, the consistency between successive
  checkpoints, and the log against checkpoints kept outside the database; the first bad event
  is named; exit 1 when anything is wrong. Strictly read-only: it does not open the ledger
  (no schema creation), and its transactions are ``READ ONLY``;
- ``ledger checkpointer``: seal the log every ``LEDGER_CHECKPOINT_INTERVAL`` seconds (and
  publish the checkpoints to Kafka when configured), until stopped;
- ``ledger audit checkpoint``: seal once now; ``ledger audit checkpoints``: list them;
- ``ledger audit chain-legacy``: chain, once, a log written before the hash chain existed
  (refused once any checkpoint exists);
- ``ledger audit public-key``: print the checkpoint key's public half (PEM);
- ``ledger audit new-key PATH``: create a signing key file (a deployment's, once);
- ``ledger audit proof POSITION [--tree-size N]`` and ``ledger audit consistency FIRST
  SECOND``: proof documents (JSON);
- ``ledger audit check-proof FILE --public-key KEY``: check a proof document offline — no
  database, no settings, only the public key. Exit 1 when it does not check out.
"""

from __future__ import annotations

import getpass
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import orjson
import typer
from pydantic import ValidationError

from gateway.command_line import fail, open_or_exit, settings_or_exit, stop_on_signals

if TYPE_CHECKING:
    from infra.settings import Settings

audit_app = typer.Typer(help="Tamper evidence: checkpoints, keys and proofs.", no_args_is_help=True)

FORMATS = ("json", "markdown", "html")


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
        typer.echo(f"written: {output}", err=True)


def _signer(settings: Settings) -> Any:
    from infra.integrity.wiring import SigningKeyMissingError, signer_from_settings

    try:
        return signer_from_settings(settings)
    except SigningKeyMissingError as error:
        raise fail(str(error), 2) from None


def _cli_actor() -> Any:
    from domain.actors import Actor, Role

    return Actor(principal=f"ledger-cli:{getpass.getuser()}", role=Role.SYSTEM)


# ledger history ------------------------------------------------------------------------------


def history(
    kind: Annotated[str, typer.Argument(help="The record's kind (penalty-case, officer …).")],
    ident: Annotated[UUID, typer.Argument(metavar="ID", help="The record's id.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The state as of this ISO moment.")
    ] = None,
    version: Annotated[int | None, typer.Option(help="The state at this version.", min=1)] = None,
    form: Annotated[str, typer.Option("--format", help="json, markdown or html.")] = "json",
    output: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
) -> None:
    """A record's history: every event with who, when, what, and the state after it."""
    from domain.errors import NotFound
    from gateway.audit_api import HistoryQuery, case_file, render
    from gateway.problems import ProblemError
    from infra.privacy.sealing import SealTampered

    if form not in FORMATS:
        raise fail("--format is json, markdown or html", 2)
    try:
        query = HistoryQuery.model_validate({"as_of": as_of, "version": version, "format": form})
    except ValidationError as error:
        raise fail(f"--as-of: {error.errors()[0]['msg']}", 2) from None
    _, _, ledger = open_or_exit()
    try:
        case = case_file(ledger, _cli_actor(), kind, ident, query, channel="cli")
    except (NotFound, ProblemError) as error:
        raise fail(str(error)) from None
    except SealTampered as error:
        raise fail(
            f"the personal data in this record's history was tampered with ({error}); "
            "run `ledger verify`"
        ) from None
    finally:
        ledger.close()
    _write(render(case, form).decode(), output)


# ledger verify -------------------------------------------------------------------------------


def verify(
    public_key: Annotated[
        list[Path] | None,
        typer.Option(help="A public key (PEM) checkpoints may be signed with (repeatable)."),
    ] = None,
    trusted_checkpoint: Annotated[
        list[Path] | None,
        typer.Option(
            help="A signed checkpoint kept outside the database (JSON: `ledger audit "
            "checkpoints` output, a Kafka checkpoint message, GET checkpoints, a proof); the "
            "log must extend it (repeatable).",
        ),
    ] = None,
    checkpoints_from_kafka: Annotated[
        bool,
        typer.Option(
            "--checkpoints-from-kafka",
            help="Also hold the log to every checkpoint on the Kafka checkpoint topic.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
) -> None:
    """Check every event's hash chain, every checkpoint, and the consistency between them."""
    import warnings

    import psycopg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from kafka.errors import KafkaError

    from consumers.checkpointer import CHECKPOINT_TOPIC
    from infra.integrity.service import verify_database
    from infra.integrity.signing import CheckpointFormatError
    from infra.integrity.store import LogTables
    from infra.integrity.trusted import read_kafka_checkpoints, read_trusted_checkpoints
    from infra.integrity.wiring import public_keys
    from infra.postgres import DatabaseUnavailableError, resolve_database

    settings = settings_or_exit()
    try:
        trusted = [cp for path in trusted_checkpoint or () for cp in read_trusted_checkpoints(path)]
        if public_key:
            keys = public_keys([path.read_bytes() for path in public_key])
        else:
            signer = _signer(settings)
            keys = {signer.key_id: signer.public_key}
    except (OSError, CheckpointFormatError) as error:
        raise fail(str(error), 2) from None
    if checkpoints_from_kafka:
        if not settings.kafka_bootstrap:
            raise fail("--checkpoints-from-kafka: LEDGER_KAFKA_BOOTSTRAP is not set", 2)
        try:
            trusted += read_kafka_checkpoints(
                settings.kafka_bootstrap, settings.kafka_topic_prefix + CHECKPOINT_TOPIC
            )
        except KafkaError as error:
            raise fail(f"the Kafka checkpoint topic could not be read: {error}") from None
        except CheckpointFormatError as error:
            raise fail(str(error)) from None
    # The database, never the ledger: opening the ledger creates its schema.
    try:
        database = resolve_database(settings.database_url, settings.data_dir)
        report = verify_database(database.url, LogTables(), keys, trusted)
    except DatabaseUnavailableError as error:
        raise fail(str(error)) from None
    except psycopg.errors.UndefinedTable:
        raise fail("this database holds no ledger (no event table)") from None
    except psycopg.OperationalError as error:
        raise fail(f"PostgreSQL is unavailable: {error}") from None
    if as_json:
        typer.echo(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2).decode())
    else:
        typer.echo(
            f"checked {report.events} events and {report.checkpoints} checkpoints in "
            f"{report.seconds:.2f} s ({report.events_per_second:,.0f} events/s)"
        )
        for warning in report.warnings[:10]:
            typer.echo(f"warning: {warning}")
        if report.ok:
            typer.echo(f"OK: the log is intact; root {report.root_hash.hex()}")
        else:
            typer.echo(f"TAMPERED: first bad event — {report.first}")
            for finding in report.findings[1:10]:
                typer.echo(f"  also: {finding}")
            hidden = len(report.findings) - 10 + report.more_findings
            if hidden > 0:
                typer.echo(f"  … and {hidden} more")
    if not report.ok:
        raise typer.Exit(1)


# ledger checkpointer -------------------------------------------------------------------------


def checkpointer(
    interval: Annotated[
        float | None, typer.Option(help="Seconds between checkpoints (default: the setting).")
    ] = None,
) -> None:
    """Seal the log into signed checkpoints periodically (and publish them), until stopped."""
    from infra.integrity.wiring import checkpointer_for
    from infra.wiring import when_ready

    settings, database, ledger = open_or_exit(wait=True)
    _signer(settings)
    # With Kafka, a broker still starting is waited for; a missing topic is one line.
    try:
        worker = when_ready(lambda: checkpointer_for(ledger, database, settings))
    except ValueError as error:  # TopicsMissing: `ledger topics` has not run
        ledger.close()
        raise fail(str(error), 2) from None
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s checkpointer %(levelname)s %(message)s"
    )
    stop = stop_on_signals()
    try:
        worker.run(stop, interval=interval or settings.checkpoint_interval, source=settings.source)
    finally:
        worker.close()
        ledger.close()


# ledger audit … ------------------------------------------------------------------------------


@audit_app.command("checkpoint")
def checkpoint_now() -> None:
    """Seal the log now (if it grew) and publish the checkpoint when Kafka is configured."""
    from consumers.checkpointer import LogTamperedError
    from infra.integrity.wiring import checkpointer_for

    settings, database, ledger = open_or_exit()
    _signer(settings)
    try:
        worker = checkpointer_for(ledger, database, settings)
    except ValueError as error:  # TopicsMissing: `ledger topics` has not run
        ledger.close()
        raise fail(str(error), 2) from None
    try:
        stored = worker.seal()
        published = worker.publish_pending(settings.source)
    except LogTamperedError as error:
        raise fail(str(error)) from None
    finally:
        worker.close()
        ledger.close()
    if stored is None:
        typer.echo("nothing new to seal")
    else:
        cp = stored.checkpoint
        typer.echo(
            f"sealed {cp.tree_size} events up to position {cp.last_position}: "
            f"root {cp.root_hash.hex()}"
        )
    if published:
        typer.echo(f"published {published} checkpoint(s) to Kafka")


@audit_app.command("chain-legacy")
def chain_legacy() -> None:
    """Chain, once, a log written before the hash chain existed (refused once signed)."""
    import psycopg

    from infra.integrity.legacy import ChainRefusedError, chain_legacy_log
    from infra.integrity.wiring import tables_of

    _, database, ledger = open_or_exit()
    try:
        with psycopg.connect(database.url) as conn:
            chained = chain_legacy_log(conn, tables_of(ledger))
    except ChainRefusedError as error:
        raise fail(str(error)) from None
    finally:
        ledger.close()
    typer.echo(f"chained {chained} events; seal them now with `ledger audit checkpoint`")


@audit_app.command("checkpoints")
def list_checkpoints() -> None:
    """The signed checkpoints, newest first (JSON lines)."""
    from infra.integrity.service import checkpoints

    _, _, ledger = open_or_exit()
    try:
        stored = checkpoints(ledger)
    finally:
        ledger.close()
    for item in reversed(stored):
        typer.echo(orjson.dumps(item.checkpoint.to_json()).decode())


@audit_app.command("public-key")
def public_key(
    output: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
) -> None:
    """The public half of the checkpoint signing key (PEM)."""
    signer = _signer(settings_or_exit())
    _write(signer.public_pem, output)


@audit_app.command("new-key")
def new_key(
    path: Annotated[Path, typer.Argument(help="Where to create the private key (PEM).")],
) -> None:
    """Create a checkpoint signing key (refuses to overwrite one)."""
    from infra.integrity.signing import Signer

    if path.exists():
        raise fail(f"{path} exists; a signing key is never overwritten", 2)
    signer = Signer.from_file(path)
    typer.echo(f"created {path} (key id {signer.key_id}); its public half:")
    typer.echo(signer.public_pem)


@audit_app.command("proof")
def proof(
    position: Annotated[int, typer.Argument(help="The event's position in the log.", min=1)],
    tree_size: Annotated[
        int | None, typer.Option(help="The checkpoint's tree size (default: the latest).")
    ] = None,
    output: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
) -> None:
    """An event's inclusion proof against a checkpoint (JSON)."""
    from domain.audit.reads import record_proof_read
    from domain.errors import NotFound
    from infra.integrity import service

    _, _, ledger = open_or_exit()
    try:
        event = service.event_at(ledger, position)
        document = service.inclusion_proof(ledger, service.TreeCache(), event, tree_size)
        record_proof_read(ledger, _cli_actor(), event, document.tree_size)
    except (NotFound, service.ProofUnavailableError, service.LogInconsistentError) as error:
        raise fail(str(error)) from None
    finally:
        ledger.close()
    _write(document.model_dump_json(indent=2), output)


@audit_app.command("consistency")
def consistency(
    first: Annotated[int, typer.Argument(help="The smaller checkpoint's tree size.", min=1)],
    second: Annotated[int, typer.Argument(help="The larger checkpoint's tree size.", min=1)],
    output: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
) -> None:
    """The consistency proof between two checkpoints (JSON)."""
    from infra.integrity import service

    _, _, ledger = open_or_exit()
    try:
        document = service.consistency_proof(ledger, service.TreeCache(), first, second)
    except (service.ProofUnavailableError, service.LogInconsistentError) as error:
        raise fail(str(error)) from None
    finally:
        ledger.close()
    _write(document.model_dump_json(indent=2), output)


@audit_app.command("check-proof")
def check_proof(
    file: Annotated[Path, typer.Argument(help="The proof document (JSON); '-' for stdin.")],
    public_key: Annotated[Path, typer.Option(help="The ledger's public key (PEM).")],
) -> None:
    """Check a proof document offline, with only the public key (no database)."""
    from infra.integrity.proofs import check
    from infra.integrity.signing import CheckpointFormatError, load_public_key

    try:
        key = load_public_key(public_key.read_bytes())
        document = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except (OSError, CheckpointFormatError) as error:
        raise fail(str(error), 2) from None
    outcome = check(document, key)
    for line in outcome.checked:
        typer.echo(f"ok      {line}")
    for line in outcome.failed:
        typer.echo(f"FAILED  {line}")
    typer.echo("the proof checks out" if outcome.ok else "the proof does NOT check out")
    if not outcome.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("history")(history)
    app.command("verify")(verify)
    app.command("checkpointer")(checkpointer)
    app.add_typer(audit_app, name="audit")


__all__ = ["register"]
