"""Audit benchmarks (``make bench`` calls ``run``): case-history replay, ``verify``, proofs.

- ``replay_p50_ms`` / ``replay_p99_ms``: rebuilding the case file of a record of 20 events (an
  officer: registered, certified, 18 trainings) — one query, 20 events folded, every state
  after each step, the record's chain rechecked, the JSON rendered — warm, 1,000 times;
- ``record_read_p50_ms`` / ``record_read_p99_ms``: recording that read in the reader's trail;
- ``verify_events_per_s``: ``ledger verify`` over a log of ``events`` events (300,000; 50,000
  with ``--quick``) written through real aggregates, one checkpoint in it: streamed rows, both
  hashes of every event recomputed, the Merkle tree rebuilt (best of three runs, and the
  median; ``verify_client_cpu_us_per_event`` is the verifier's own CPU per event, which other
  load on the machine does not inflate much);
- ``seal_seconds``: a checkpointer starting on that log (a full check) and sealing it;
- ``proof_cold_ms``: the first inclusion proof of a process (its tree of the stored hashes
  loaded); ``proof_p50_ms`` / ``proof_p99_ms``: later ones, for random events.
"""

from __future__ import annotations

import random
import time
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from consumers.checkpointer import Checkpointer
from domain.actors import SYSTEM, Actor, Role
from domain.application import SupervisionLedger
from domain.audit.reads import record_read
from domain.registry import commands as reg
from infra.integrity import service
from infra.integrity.signing import Signer
from infra.integrity.wiring import recorder_of, tables_of
from infra.wiring import open_ledger

if TYPE_CHECKING:
    from infra.bench.env import BenchEnv

Figures = dict[str, float]
AUDITOR = Actor(principal="bench-auditor", role=Role.AUDITOR)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return p50 * 1000, p99 * 1000


def _officer_of_20_events(ledger: SupervisionLedger) -> UUID:
    agency = ledger.execute(
        reg.RegisterAgency(code="BENCH", name="bench", domains=["market"]), SYSTEM
    ).id
    officer = ledger.execute(
        reg.RegisterOfficer(officer_no="B-1", name="b", agency_id=agency, frontline=True), SYSTEM
    ).id
    ledger.execute(
        reg.IssueCertificate(officer_id=officer, number="BC-1", issued_on=date(2023, 1, 1)),
        SYSTEM,
    )
    for n in range(18):
        ledger.execute(
            reg.RecordTraining(
                officer_id=officer, course=f"c{n}", hours=4, completed_on=date(2023, 2, 1 + n)
            ),
            SYSTEM,
        )
    return officer


def measure_replay(ledger: SupervisionLedger, rounds: int) -> Figures:
    officer = _officer_of_20_events(ledger)
    assert_len = len(service.load_history(ledger, "officer", officer).history.steps)
    if assert_len != 20:
        raise RuntimeError(f"the benchmark record has {assert_len} events, not 20")
    replays: list[float] = []
    reads: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        replayed = service.load_history(ledger, "officer", officer)
        replayed.history.model_dump_json()
        replays.append(time.perf_counter() - started)
        started = time.perf_counter()
        record_read(
            ledger,
            AUDITOR,
            record_kind="officer",
            record_id=officer,
            version=replayed.history.version,
            as_of=None,
            format="json",
            channel="bench",
        )
        reads.append(time.perf_counter() - started)
    replay_p50, replay_p99 = _percentiles(replays)
    read_p50, read_p99 = _percentiles(reads)
    return {
        "replay_p50_ms": replay_p50,
        "replay_p99_ms": replay_p99,
        "record_read_p50_ms": read_p50,
        "record_read_p99_ms": read_p99,
    }


def measure_log(ledger: SupervisionLedger, url: str, proofs: int) -> Figures:
    """Seal, verify and prove over the ledger's (already written) log."""
    signer = Signer(Ed25519PrivateKey.generate())
    sealer = Checkpointer(url, tables_of(ledger), signer, origin="bench")
    try:
        started = time.perf_counter()
        sealed = sealer.seal()
        seal_seconds = time.perf_counter() - started
    finally:
        sealer.close()
    if sealed is None:
        raise RuntimeError("nothing to seal")
    keys = {signer.key_id: signer.public_key}
    rates = []
    client_cpu = []
    for _ in range(3):  # best of three: other work on the machine only ever slows a run down
        cpu = time.process_time()
        report = service.verify_database(url, tables_of(ledger), keys)
        client_cpu.append(time.process_time() - cpu)
        if not report.ok:
            raise RuntimeError(f"the benchmark log does not verify: {report.first}")
        rates.append(report.events_per_second)
    size = sealed.checkpoint.tree_size
    positions = [
        e.position
        for e in recorder_of(ledger).select_chained(
            random.sample(range(1, sealed.checkpoint.last_position + 1), min(proofs, size))
        )
    ]
    cache = service.TreeCache()
    started = time.perf_counter()
    service.inclusion_proof(ledger, cache, service.event_at(ledger, positions[0]))
    cold = time.perf_counter() - started
    samples = []
    for position in positions:
        started = time.perf_counter()
        service.inclusion_proof(ledger, cache, service.event_at(ledger, position))
        samples.append(time.perf_counter() - started)
    p50, p99 = _percentiles(samples)
    return {
        "events": float(report.events),
        "verify_events_per_s": max(rates),
        "verify_median_events_per_s": sorted(rates)[1],
        "verify_client_cpu_us_per_event": min(client_cpu) / report.events * 1e6,
        "seal_seconds": seal_seconds,
        "proof_cold_ms": cold * 1000,
        "proof_p50_ms": p50,
        "proof_p99_ms": p99,
    }


def run(env: BenchEnv, quick: bool) -> Figures:
    from infra.bench.env import collector_as_in_services
    from infra.bench.load import write_events

    figures: Figures = {}
    database = env.fresh_database()
    ledger = open_ledger(database, pool_size=4)
    try:
        with collector_as_in_services():  # as `ledger serve`, which answers auditors
            figures.update(measure_replay(ledger, 200 if quick else 1_000))
    finally:
        ledger.close()
    database = env.fresh_database()
    ledger = open_ledger(database, pool_size=4)
    try:
        events = 50_000 if quick else 300_000
        write_events(ledger, int(events / 2.34), chunk=500)
        figures.update(measure_log(ledger, database.url, 200 if quick else 1_000))
    finally:
        ledger.close()
    return figures
