"""``ledger simulate``: write a district's year through the real commands, from a profile.

The profile is validated and the whole year planned before the ledger is opened, so a bad
profile is a one-line error and writes nothing. The progress bar is ``rich.progress`` (rich
comes with typer) on a terminal; where standard output is not one (a log file, CI), rich draws
nothing, so a plain line of progress is printed every few seconds instead.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from domain.application import SupervisionLedger
from gateway.command_line import fail, settings_or_exit
from gateway.simulation.engine import (
    Phase,
    Tally,
    TooManyRefusals,
    open_simulation_ledger,
    run,
    total_units,
)
from gateway.simulation.profile import ProfileError, load_profile
from gateway.simulation.simulate import (
    AlreadySimulated,
    check_fresh,
    phases,
    published_exemption_lists,
)
from gateway.simulation.year import SimulatedYear, plan_year
from infra.collector import fewer_collector_pauses
from infra.postgres import Database, DatabaseUnavailableError, resolve_database

PROFILES = Path(__file__).parent / "simulation" / "profiles"
PLAIN_EVERY_SECONDS = 5.0
"""How often a plain progress line is printed when standard output is not a terminal."""


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)


def shipped_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES.glob("*.json"))


def profile_path(given: str) -> Path:
    """A path, or the name of a shipped profile (``binhai-2023``, ``binhai-2023-reduced``)."""
    path = Path(given)
    if path.exists():
        return path
    shipped = PROFILES / (given if given.endswith(".json") else f"{given}.json")
    return shipped if shipped.exists() else path


def simulate(
    profile: Annotated[
        str,
        typer.Option(
            help="Profile JSON: the year and the report's figures under the report's keys, or "
            f"the name of a shipped profile ({', '.join(shipped_profiles())})."
        ),
    ],
    seed: Annotated[
        int, typer.Option(help="Seed of the year's randomness: same seed, same year.")
    ] = 1,
    batch_size: Annotated[
        int,
        typer.Option(
            help="Most commands per transaction (group commit); fewer when they write many events.",
            min=1,
            max=5000,
        ),
    ] = 300,
    project: Annotated[
        bool,
        typer.Option(
            help="Catch the embedded projections up afterwards (no `ledger serve` running)."
        ),
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Simulate a district's year of enforcement through the real commands."""
    path = profile_path(profile)
    try:
        year = plan_year(load_profile(path), seed)
    except ProfileError as error:
        raise fail(f"invalid profile {path}: {error}", 2) from None
    settings = settings_or_exit()
    try:
        database = resolve_database(settings.database_url, settings.data_dir)
    except DatabaseUnavailableError as error:
        raise fail(str(error)) from None
    ledger = open_simulation_ledger(database, pool_size=settings.pool_size)
    try:
        try:
            check_fresh(ledger, year)
        except AlreadySimulated as error:
            raise fail(str(error)) from None
        plan = phases(year, published_exemption_lists(ledger))
        # The planned year lives until the end: frozen out of the collector's view, which
        # otherwise walked it and the growing aggregate cache for a sixth of the run.
        fewer_collector_pauses()
        try:
            tally = _run(ledger, plan, year, batch_size, show=progress)
        except TooManyRefusals as stopped:
            tally = stopped.tally
        _summary(year, tally)
        if tally.refusals:
            for refusal in tally.refusals[:10]:
                typer.echo(f"  refused: {refusal}", err=True)
            raise fail(f"{len(tally.refusals)} commands were refused: the simulation is wrong")
        if project:
            _project(ledger, database)
    finally:
        ledger.close()


def _run(
    ledger: SupervisionLedger,
    plan: Sequence[Phase[Any]],
    year: SimulatedYear,
    batch_size: int,
    *,
    show: bool,
) -> Tally:
    correlation = f"sim{year.profile.year}-seed{year.seed}"
    if not show:
        return run(ledger, plan, correlation=correlation, batch_size=batch_size)
    if not sys.stdout.isatty():
        plain = plain_progress(total_units(plan), typer.echo, time.monotonic)
        return run(ledger, plan, correlation=correlation, batch_size=batch_size, progress=plain)
    columns = (
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task("registries", total=total_units(plan))

        def advance(phase: str, units: int) -> None:
            bar.update(task, advance=units, description=phase)

        return run(ledger, plan, correlation=correlation, batch_size=batch_size, progress=advance)


def plain_progress(
    total: int,
    echo: Callable[[str], None],
    clock: Callable[[], float],
    every: float = PLAIN_EVERY_SECONDS,
) -> Callable[[str, int], None]:
    """A progress callback printing ``phase  done/total  percent  elapsed`` at most once every
    ``every`` seconds (and when the last unit is done)."""
    started = clock()
    done = 0
    printed = started

    def advance(phase: str, units: int) -> None:
        nonlocal done, printed
        done += units
        now = clock()
        if now - printed < every and done < total:
            return
        printed = now
        percent = 100 * done / total if total else 100.0
        echo(f"{phase:<18} {done}/{total} ({percent:.0f} %) {now - started:.0f} s")

    return advance


def _summary(year: SimulatedYear, tally: Tally) -> None:
    typer.echo(
        f"simulated {year.profile.year} (seed {year.seed}): {tally.events} events written by "
        f"{tally.commands} commands ({tally.units} records), {len(tally.refusals)} refused, "
        f"in {tally.seconds:.1f} s — {tally.commands_per_second:.0f} commands/s, "
        f"{tally.events_per_second:.0f} events/s"
    )


def _project(ledger: SupervisionLedger, database: Database) -> None:
    from infra.wiring import follower_for

    started = time.perf_counter()
    follower = follower_for(ledger, database)
    try:
        count = follower.catch_up()
    finally:
        follower.close()
    typer.echo(f"projected {count} events in {time.perf_counter() - started:.1f} s")
