"""A district's year: simulate it through the real commands, project it, rebuild it.

Figures: the simulation's time and rate (every rule applies), the time to project the whole
year (the embedded feed, all projections, from zero), and a full rebuild's events/s beside a
raw PostgreSQL COPY of the same rows. ``--quick`` simulates the reduced profile instead.

It is also the issue's acceptance at full scale: the report computed from the projected year
must equal the profile's every count (``report_figures_equal``, 1.0; a mismatch stops the run).
"""

from __future__ import annotations

import time

from consumers.rebuild import rebuild
from gateway.cli_simulate import profile_path
from gateway.simulation.engine import open_simulation_ledger
from gateway.simulation.engine import run as drive
from gateway.simulation.profile import COUNT_KEYS, EXTRA_KEYS, Profile, load_profile
from gateway.simulation.simulate import phases, published_exemption_lists
from gateway.simulation.year import plan_year
from infra.bench.env import BenchEnv, collector_as_in_services, rate
from infra.bench.pipeline import raw_copy_seconds, settle
from infra.wiring import follower_for
from projections.registry import all_projections
from projections.report import compute_report


def _check_report(url: str, profile: Profile) -> int:
    """How many report figures were compared, or ``RuntimeError`` naming those that differ."""
    report = compute_report(url, profile.year)
    expected = {**profile.counts(), **profile.extras()}
    got = {key: report[key] for key in (*COUNT_KEYS, *EXTRA_KEYS)}
    wrong: dict[str, tuple[float, float]] = {
        k: (got[k], v) for k, v in expected.items() if got[k] != v
    }
    if report["per_capita_actions"] != profile.per_capita_rounded:
        wrong["per_capita_actions"] = (report["per_capita_actions"], profile.per_capita_rounded)
    if wrong:
        raise RuntimeError(f"the report differs from the profile (got, expected): {wrong}")
    return len(expected) + 1


def run(env: BenchEnv, quick: bool) -> dict[str, float]:
    name = "binhai-2023-reduced" if quick else "binhai-2023"
    profile = load_profile(profile_path(name))
    database = env.fresh_database()
    ledger = open_simulation_ledger(database, pool_size=4)
    try:
        year = plan_year(profile, seed=1)
        plan = phases(year, published_exemption_lists(ledger))
        # As `ledger simulate` and `ledger serve` (whose follower projects) tune it.
        with collector_as_in_services():
            tally = drive(ledger, plan, correlation="bench")
            if tally.refusals:
                raise RuntimeError(f"the simulation had {len(tally.refusals)} refusals")
            env.years[name] = (database, tally.seconds)
            follower = follower_for(ledger, database)
            started = time.perf_counter()
            projected = follower.catch_up()
            projection_seconds = time.perf_counter() - started
        compared = _check_report(database.url, profile)
        settle(database)
        copy_seconds = raw_copy_seconds(database)
        started = time.perf_counter()
        rebuilt = rebuild(follower.events, follower.store, all_projections())
        rebuild_seconds = time.perf_counter() - started
        _check_report(database.url, profile)  # the rebuilt views give the same report
        follower.close()
    finally:
        ledger.close()
    rebuild_rate, copy_rate = rate(rebuilt, rebuild_seconds), rate(rebuilt, copy_seconds)
    return {
        "events": float(tally.events),
        "commands": float(tally.commands),
        "simulation_seconds": tally.seconds,
        "simulation_commands_per_s": tally.commands_per_second,
        "projection_seconds": projection_seconds,
        "projection_events_per_s": rate(projected, projection_seconds),
        "rebuild_events_per_s": rebuild_rate,
        "raw_copy_rows_per_s": copy_rate,
        "rebuild_ratio": rebuild_rate / copy_rate,
        "report_figures_equal": float(compared),
    }
