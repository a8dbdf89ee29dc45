"""``ledger partner …`` and ``ledger asyncapi``: the partner feeds, both ends.

- ``ledger partner relay``: the partner filter (ledger side) — collaboration events to each
  region's topic, redacted, with proof references, exactly once, until stopped;
- ``ledger partner subscribe --region tangshan --public-key … --ledger-url … --token-file …``:
  the subscriber (partner side) — its topic into a local SQLite copy, every record checked and
  proven against the signed checkpoints; ``--until-idle`` reads what there is, prints the
  summary and every rejection, and exits 3 if anything was rejected;
- ``ledger partner show --copy …``: a local copy's records, summary and rejections;
- ``ledger asyncapi``: the AsyncAPI 3.0 document of every topic.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import orjson
import typer

from domain.collaboration.values import PartnerRegion
from gateway.command_line import fail, open_or_exit, settings_or_exit, stop_on_signals

partner_app = typer.Typer(help="Partner regions' feeds: the filter and the subscriber.")

VERIFICATION_FAILED = 3


@partner_app.command("relay")
def relay(
    instance: Annotated[
        str, typer.Option(help="This filter instance's name (its transactional id).")
    ] = "0",
) -> None:
    """Run the partner filter until stopped (collaboration events to each region's topic)."""
    from consumers.partner_filter import ChainLookup, PartnerFilter
    from consumers.topics import PARTNER_FILTER_TOPICS
    from infra.integrity.wiring import tables_of
    from infra.wiring import topics_ready

    bootstrap = settings_or_exit().kafka_bootstrap
    if not bootstrap:
        raise fail("LEDGER_KAFKA_BOOTSTRAP is not set: the partner feeds are Kafka topics", 2)
    settings, database, ledger = open_or_exit(wait=True)
    try:  # a broker still starting is waited for; topics missing are an error
        topics_ready(settings, PARTNER_FILTER_TOPICS, client_id="ledger-partner-filter")
    except ValueError as error:
        raise fail(str(error), 2) from None
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s partner-filter %(levelname)s %(message)s"
    )
    worker = PartnerFilter(
        bootstrap,
        ChainLookup(database.url, tables_of(ledger)),
        group_id=settings.partner_filter_group,
        topic_prefix=settings.kafka_topic_prefix,
        instance=instance,
        source=settings.source,
    )
    try:
        worker.run(stop_on_signals())
    finally:
        worker.close()
        ledger.close()


@partner_app.command("subscribe")
def subscribe(
    region: Annotated[PartnerRegion, typer.Option(help="The partner region whose feed to read.")],
    public_key: Annotated[
        Path, typer.Option(help="The ledger's checkpoint public key (PEM or base64).")
    ],
    ledger_url: Annotated[str, typer.Option(help="The ledger's HTTP address (for proofs).")],
    token_file: Annotated[Path, typer.Option(help="A file holding this partner's bearer token.")],
    copy: Annotated[
        Path | None,
        typer.Option(help="The local copy (SQLite; default DATA_DIR/partner-<region>.sqlite)."),
    ] = None,
    bootstrap: Annotated[
        str | None, typer.Option(help="Kafka bootstrap servers (default LEDGER_KAFKA_BOOTSTRAP).")
    ] = None,
    until_idle: Annotated[
        bool, typer.Option(help="Read what there is, report, and exit (3 if any rejection).")
    ] = False,
) -> None:
    """Keep a verified local copy of a partner region's feed."""
    from consumers.partner_copy import LocalCopy
    from consumers.partner_proofs import HttpProofSource
    from consumers.partner_subscriber import PartnerSubscriber
    from infra.integrity.signing import CheckpointFormatError, load_public_key

    settings = settings_or_exit()
    servers = bootstrap or settings.kafka_bootstrap
    if not servers:
        raise fail("no Kafka: give --bootstrap or set LEDGER_KAFKA_BOOTSTRAP", 2)
    try:
        key = load_public_key(public_key.read_bytes())
        token = token_file.read_text().strip()
    except (OSError, CheckpointFormatError) as error:
        raise fail(str(error), 2) from None
    local = LocalCopy(copy or settings.data_dir / f"partner-{region.value}.sqlite")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s partner-subscriber %(levelname)s %(message)s"
    )
    subscriber = PartnerSubscriber(
        servers,
        region.value,
        local,
        key,
        HttpProofSource(ledger_url, token),
        topic_prefix=settings.kafka_topic_prefix,
    )
    try:
        if until_idle:
            summary = subscriber.run_until_idle()
        else:
            subscriber.run(stop_on_signals())
            summary = local.summary()
    finally:
        subscriber.close()
        local.close()
    typer.echo(
        f"{region.value}: {summary.verified} verified, {summary.pending} pending, "
        f"{summary.rejected} rejected; newest checkpoint {summary.checkpoint}"
    )
    for line in summary.rejections:
        typer.echo(f"REJECTED {line}")
    if until_idle and summary.rejected:
        raise typer.Exit(VERIFICATION_FAILED)


@partner_app.command("show")
def show(
    copy: Annotated[Path, typer.Option(help="The local copy (SQLite file).")],
    status: Annotated[
        str | None, typer.Option(help="Only records of this status (pending, verified).")
    ] = None,
) -> None:
    """Print a local copy: its records, then its summary and rejections (JSON)."""
    from consumers.partner_copy import LocalCopy

    if not copy.exists():
        raise fail(f"{copy} does not exist", 2)
    local = LocalCopy(copy)
    try:
        summary = local.summary()
        document = {
            "records": local.records(status),
            "verified": summary.verified,
            "pending": summary.pending,
            "rejected": summary.rejected,
            "checkpoint": summary.checkpoint,
            "rejections": local.rejections(),
        }
    finally:
        local.close()
    typer.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())


def asyncapi(
    output: Annotated[
        Path | None, typer.Option(help="Write the document here (default: print it).")
    ] = None,
) -> None:
    """Print the AsyncAPI 3.0 document of every Kafka topic of the ledger."""
    from consumers.asyncapi import asyncapi_document

    settings = settings_or_exit()
    document = asyncapi_document(
        prefix=settings.kafka_topic_prefix, bootstrap=settings.kafka_bootstrap
    )
    text = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode()
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n")
        typer.echo(f"wrote {output}")


def register(app: typer.Typer) -> None:
    app.add_typer(partner_app, name="partner")
    app.command("asyncapi")(asyncapi)
