"""The ``ledger`` command line."""

from __future__ import annotations

import logging
import sys
from typing import Annotated
from uuid import UUID

import typer
from pydantic import ValidationError

from domain.actors import Role
from gateway.auth import TokenStore, grant_token, save_grants
from infra.postgres import DatabaseUnavailableError
from infra.settings import Settings, load_settings

app = typer.Typer(
    name="ledger",
    help="The supervision ledger (行政执法监督台账).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
tokens_app = typer.Typer(help="Bearer tokens (only their hashes are stored).", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error and return the exit to raise."""
    typer.echo(f"ledger: {message}", err=True)
    return typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ValidationError as error:
        first = error.errors()[0]
        where = "LEDGER_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise fail(f"invalid setting {where}: {first['msg']}", 2) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    demo: Annotated[
        bool, typer.Option(help="Load the demo data and print a token per role.")
    ] = False,
) -> None:
    """Serve the HTTP gateway."""
    import uvicorn

    from gateway.app import create_app
    from gateway.demo import demo_grants, load_demo
    from infra.wiring import open_from_settings

    settings = settings_or_exit()
    try:
        _, ledger = open_from_settings(settings)
    except DatabaseUnavailableError as error:
        raise fail(str(error)) from None
    if demo:
        loaded = load_demo(ledger)
        made = demo_grants()
        save_grants(settings.resolved_tokens_file, [g for _, _, g in made], replace_label="demo")
        typer.echo("demo data " + ("loaded" if loaded else "already present"))
        typer.echo(
            f"\nThe ledger is at http://{host}:{port}/  (API: /api/v1, OpenAPI: /openapi.json)\n"
        )
        typer.echo("Demo tokens (shown once; only their hashes are stored):")
        for role, token, _ in made:
            typer.echo(f"  {role:42s} {token}")
        typer.echo(
            "\nTry:  curl -H 'Authorization: Bearer <token>' "
            f"http://{host}:{port}/api/v1/agencies/{_msa()}\n"
        )
    tokens = TokenStore.watching(settings.tokens, settings.resolved_tokens_file)
    web = create_app(ledger, tokens, settings)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(web, host=host, port=port, log_level="info")


def _msa() -> UUID:
    from domain.registry.agency import Agency

    return Agency.create_id("MSA")


@app.command()
def init() -> None:
    """Create the event store's tables (every service also does this at start, safely)."""
    from infra.wiring import open_from_settings

    settings = settings_or_exit()
    try:
        database, ledger = open_from_settings(settings)
    except DatabaseUnavailableError as error:
        raise fail(str(error)) from None
    ledger.close()
    typer.echo(f"event store ready in database {database.dbname}")


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
    try:
        token, grant = grant_token(
            principal=principal, role=role, agency_id=agency_id, region=region
        )
    except ValidationError as error:
        raise fail(error.errors()[0]["msg"].removeprefix("Value error, "), 2) from None
    save_grants(settings.resolved_tokens_file, [grant])
    typer.echo(token)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
