"""The ``ledger`` command line."""

from __future__ import annotations

import functools
import logging
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer
from pydantic import ValidationError

from domain.actors import Role
from gateway.auth import TokenStore, grant_token, save_grants
from gateway.command_line import fail, open_or_exit, settings_or_exit, stop_on_signals
from gateway.plugins import modules

if TYPE_CHECKING:
    from infra.settings import Settings

app = typer.Typer(
    name="ledger",
    help="The supervision ledger (行政执法监督台账).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
tokens_app = typer.Typer(help="Bearer tokens (only their hashes are stored).", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    demo: Annotated[
        bool, typer.Option(help="Load the demo data and print a token per role.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            help="Gateway processes sharing the port (one per core: a process uses one).",
            min=1,
            max=64,
        ),
    ] = 1,
) -> None:
    """Serve the HTTP gateway."""
    import uvicorn

    from gateway.app import create_app
    from gateway.demo import demo_grants, demo_present, load_demo
    from gateway.demo_planning import NOW_CERTIFICATE
    from gateway.serving import LOG_FORMAT, shared_with_workers
    from infra.collector import fewer_collector_pauses
    from infra.integrity.wiring import SigningKeyMissingError, checkpointer_for
    from infra.postgres import release_embedded
    from infra.wiring import follower_for, projection_store, when_ready

    # SIGTERM ends the process as a normal exit: uvicorn re-raises the signal after its
    # graceful shutdown, and the default action would kill the process before the embedded
    # PostgreSQL it started is stopped (the `finally` below, and the wheel's exit handler).
    signal.signal(signal.SIGTERM, _exit_normally)
    if demo:
        _tokens_go_to_the_file(settings_or_exit(), "--demo")
    settings, database, ledger = open_or_exit(wait=True)
    if settings.tokens and settings.resolved_tokens_file.exists():
        typer.echo(
            f"ledger: LEDGER_TOKENS is set; the token file {settings.resolved_tokens_file} "
            "is not read",
            err=True,
        )
    if demo:
        if load_demo(ledger):
            typer.echo("demo data loaded")
        elif demo_present(ledger):
            typer.echo("demo data already present")
        else:
            typer.echo("demo data not loaded: the ledger already holds records")
        made = demo_grants()
        save_grants(settings.resolved_tokens_file, [g for _, _, g in made], replace_label="demo")
        base = f"http://{_reachable(host)}:{port}"
        typer.echo(f"\nThe ledger is at {base}/  (API: /api/v1, OpenAPI: /openapi.json)\n")
        typer.echo("Demo tokens (shown once; only their hashes are stored):")
        for role, token, _ in made:
            typer.echo(f"  {role:42s} {token}")
        typer.echo(f"  {'public (verifies e-certificates)':42s} no token")
        typer.echo(
            "\nTry:  curl -H 'Authorization: Bearer <token>' "
            f"{base}/api/v1/agencies/{_msa()}\n"
            f"      curl {base}/api/v1/public/e-certificates/{NOW_CERTIFICATE}\n"
        )
    # The views exist (empty, at worst) before the first request reads them, whichever process
    # will fill them: the follower below, or `ledger project` behind Kafka.
    when_ready(lambda: projection_store(database)).close()
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    stop = threading.Event()
    background: list[threading.Thread] = []
    if not settings.kafka_bootstrap:
        # The embedded default: projections follow the event store in this process. With Kafka
        # configured, `ledger relay` and `ledger project` run as their own processes instead.
        follower = follower_for(ledger, database)
        background.append(
            threading.Thread(target=follower.run, args=(stop,), name="follower", daemon=True)
        )
        # ... and the log is sealed into signed checkpoints here too (`ledger checkpointer`
        # runs it as its own process in the production shape).
        try:
            sealer = checkpointer_for(ledger, database, settings)
        except SigningKeyMissingError as error:
            typer.echo(f"ledger: no checkpoints will be sealed: {error}", err=True)
        else:
            background.append(
                threading.Thread(
                    target=sealer.run,
                    args=(stop,),
                    kwargs={"interval": settings.checkpoint_interval, "source": settings.source},
                    name="checkpointer",
                    daemon=True,
                )
            )
    for thread in background:
        thread.start()
    # Open event streams must not hold a shutdown for minutes.
    run = functools.partial(
        uvicorn.run,
        host=host,
        port=port,
        log_level="info",
        access_log=settings.access_log,
        timeout_graceful_shutdown=5,
    )
    try:
        if workers == 1:
            tokens = TokenStore.watching(settings.tokens, settings.resolved_tokens_file)
            web = create_app(ledger, tokens, settings)
            fewer_collector_pauses()
            run(web)
        else:
            # Each worker builds its own gateway (gateway.serving); this process supervises
            # them and keeps the follower and the checkpointer above.
            with shared_with_workers(settings, database):
                run("gateway.serving:worker_app", factory=True, workers=workers)
    finally:
        stop.set()
        for thread in background:
            thread.join(timeout=10)
        ledger.close()
        release_embedded()


def _tokens_go_to_the_file(settings: Settings, what: str) -> None:
    """Refuse to write a token the gateway would not read: with ``LEDGER_TOKENS`` set the
    gateway authenticates exactly the grants listed there and never reads the token file (an
    operator who pins the tokens in the environment gets no others from a file left behind)."""
    if settings.tokens:
        raise fail(
            f"{what} writes tokens to {settings.resolved_tokens_file}, which is not read while "
            "LEDGER_TOKENS is set: unset LEDGER_TOKENS, or add the grant to it",
            2,
        )


def _exit_normally(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _reachable(host: str) -> str:
    """An address a browser on this machine can open: a wildcard bind is no destination."""
    if host in ("0.0.0.0", "", "*"):  # noqa: S104 - compared, not bound
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _msa() -> UUID:
    from domain.registry.agency import Agency

    return Agency.create_id("MSA")


@app.command()
def init() -> None:
    """Create the event store's tables (every service also does this at start, safely)."""
    _, database, ledger = open_or_exit()
    ledger.close()
    typer.echo(f"event store ready in database {database.dbname}")


@app.command()
def relay(
    shard: Annotated[
        str,
        typer.Option(
            help="I/N: relay I (from 0) of N sharing the log, each publishing its partitions."
        ),
    ] = "0/1",
) -> None:
    """Relay every stored event to Kafka (CloudEvents), until stopped."""
    from consumers.partitioner import Shard
    from infra.collector import fewer_collector_pauses
    from infra.wiring import relay_for

    try:
        chosen = Shard.parse(shard)
    except ValueError as error:
        raise fail(f"--shard: {error}", 2) from None
    settings, database, ledger = open_or_exit(wait=True)
    try:
        worker = relay_for(ledger, database, settings, chosen)
    except ValueError as error:
        raise fail(str(error), 2) from None
    logging.basicConfig(
        level=logging.INFO, format=f"%(asctime)s relay {chosen} %(levelname)s %(message)s"
    )
    fewer_collector_pauses()
    try:
        worker.run(stop_on_signals())
    finally:
        worker.close()
        ledger.close()


@app.command()
def project(
    feed: Annotated[
        str, typer.Option(help="'kafka' (default when Kafka is configured) or 'store'.")
    ] = "",
    client_id: Annotated[
        str, typer.Option(help="Kafka client id of this runner.")
    ] = "ledger-projector",
) -> None:
    """Run the projections until stopped: from Kafka, or straight from the event store."""
    from consumers.follower import Follower
    from consumers.projector import KafkaProjector
    from infra.collector import fewer_collector_pauses
    from infra.wiring import follower_for, kafka_projector_for

    settings, database, ledger = open_or_exit(wait=True)
    chosen = feed or ("kafka" if settings.kafka_bootstrap else "store")
    if chosen not in ("kafka", "store"):
        raise fail("--feed is 'kafka' or 'store'", 2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s project %(levelname)s %(message)s")
    stop = stop_on_signals()
    try:
        runner: KafkaProjector | Follower
        if chosen == "kafka":
            try:
                runner = kafka_projector_for(database, settings, client_id=client_id)
            except ValueError as error:
                raise fail(str(error), 2) from None
        else:
            runner = follower_for(ledger, database)
        fewer_collector_pauses()
        try:
            runner.run(stop)
        finally:
            runner.close()
    finally:
        ledger.close()


@app.command()
def rebuild(
    projection: Annotated[
        list[str] | None, typer.Option(help="A projection to rebuild (repeatable); default all.")
    ] = None,
) -> None:
    """Rebuild projections from zero, replaying the whole event store."""
    from consumers.rebuild import rebuild as replay
    from infra.wiring import event_log, projection_store
    from projections.registry import all_projections, by_names

    _, database, ledger = open_or_exit()
    try:
        chosen = by_names(projection) if projection else all_projections()
    except KeyError as error:
        raise fail(str(error.args[0]), 2) from None
    started = time.perf_counter()
    store = projection_store(database, chosen)
    count = replay(event_log(ledger, database), store, chosen)
    seconds = time.perf_counter() - started
    typer.echo(
        f"rebuilt {', '.join(p.NAME for p in chosen)} from {count} events in {seconds:.2f} s"
    )
    store.close()
    ledger.close()


@app.command()
def topics() -> None:
    """Create the Kafka topics (explicit partition counts; never auto-created)."""
    from consumers.topics import ensure_topics

    settings = settings_or_exit()
    if not settings.kafka_bootstrap:
        raise fail("LEDGER_KAFKA_BOOTSTRAP is not set", 2)
    created = ensure_topics(
        settings.kafka_bootstrap,
        prefix=settings.kafka_topic_prefix,
        replication=settings.kafka_replication,
    )
    typer.echo(f"created {len(created)} topics" + (f": {', '.join(created)}" if created else ""))


@tokens_app.command("add")
def tokens_add(
    role: Annotated[Role, typer.Option(help="The token's role.")],
    principal: Annotated[
        str, typer.Option(help="Who the token belongs to (recorded on every event).")
    ],
    agency_id: Annotated[UUID | None, typer.Option(help="An agency officer's agency.")] = None,
    region: Annotated[str | None, typer.Option(help="A partner's region.")] = None,
) -> None:
    """Create a token, store its hash, print the token once."""
    settings = settings_or_exit()
    _tokens_go_to_the_file(settings, "tokens add")
    try:
        token, grant = grant_token(
            principal=principal, role=role, agency_id=agency_id, region=region
        )
    except ValidationError as error:
        raise fail(error.errors()[0]["msg"].removeprefix("Value error, "), 2) from None
    save_grants(settings.resolved_tokens_file, [grant])
    typer.echo(token)


for _module in modules(prefix="cli_"):
    _module.register(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
