"""Where benchmarks run: a PostgreSQL server and a Kafka broker of their own (or configured ones).

``LEDGER_DATABASE_URL`` / ``LEDGER_KAFKA_BOOTSTRAP`` point the benchmarks at existing servers;
unset, the embedded PostgreSQL and the project's Kafka broker are started in a temporary folder
and stopped afterwards. Each benchmark gets a fresh database.
"""

from __future__ import annotations

import gc
import math
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from gateway.auth import Grant, save_grants
from infra.bench.memory import peak_rss_mib
from infra.collector import fewer_collector_pauses
from infra.kafka_broker import ensure_jars, start_broker, stop_broker
from infra.ledger_process import ledger_process
from infra.ports import free_port
from infra.postgres import Database, embedded_database
from infra.settings import Settings


@dataclass
class BenchEnv:
    server: Database
    bootstrap: str | None
    workdir: Path
    databases: list[str] = field(default_factory=list)
    # ledger subcommand -> the largest peak resident set (MiB) of its processes in this benchmark
    peaks: dict[str, float] = field(default_factory=dict)
    # profile name -> a simulated year's database and the seconds simulating it took (the year
    # and audit benchmarks share it: simulating a district's year takes minutes)
    years: dict[str, tuple[Database, float]] = field(default_factory=dict)

    def fresh_database(self) -> Database:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.server.url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.databases.append(name)
        return Database(
            url=psycopg.conninfo.make_conninfo(self.server.url, dbname=name),
            dbname=name,
            host=self.server.host,
            port=self.server.port,
            user=self.server.user,
            password=self.server.password,
        )

    def settings(self, database: Database, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "database_url": database.url,
            "data_dir": self.workdir,
            "kafka_bootstrap": self.bootstrap,
            "kafka_topic_prefix": f"b{uuid.uuid4().hex[:6]}.",
            "kafka_group": f"bench-{uuid.uuid4().hex[:6]}",
        }
        values.update(overrides)
        return Settings.model_validate(values)

    def ledger_process(self, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        """``ledger <args>`` as a process of its own (production shape), its output appended
        to ``ledger.log`` in the work folder."""
        return ledger_process(args, env, self.workdir / "ledger.log")

    @contextmanager
    def ledger_processes(
        self, commands: list[list[str]], env: dict[str, str]
    ) -> Iterator[list[subprocess.Popen[bytes]]]:
        """``ledger <command>`` for each of ``commands``, stopped (SIGTERM, then waited for) on
        leaving, whatever happened meanwhile."""
        workers = [self.ledger_process(command, env) for command in commands]
        try:
            yield workers
        finally:
            for command, worker in zip(commands, workers, strict=True):
                self.note_peak(command[0], worker.pid)
                worker.terminate()
            for worker in workers:
                worker.wait(30)

    @contextmanager
    def gateway(self, database: Database, grant: Grant, workers: int) -> Iterator[int]:
        """``ledger serve --workers N`` on ``database`` in a process of its own (production
        shape: Kafka configured, so no projections run inside it), ``grant``'s token the one
        it knows; its port, the process stopped on leaving."""
        tokens = self.workdir / f"tokens-{database.dbname}.json"
        save_grants(tokens, [grant])
        port = free_port()
        variables = {
            "LEDGER_DATABASE_URL": database.url,
            "LEDGER_TOKENS_FILE": str(tokens),
            "LEDGER_KAFKA_BOOTSTRAP": self.bootstrap or "127.0.0.1:9",
        }
        serve = ["serve", "--port", str(port), "--workers", str(workers)]
        with self.ledger_processes([serve], variables):
            yield port

    def note_peak(self, name: str, pid: int) -> None:
        peak = peak_rss_mib(pid)
        if peak is not None:
            self.peaks[name] = max(peak, self.peaks.get(name, 0.0))

    def drop_databases(self) -> None:
        with psycopg.connect(self.server.url, autocommit=True) as conn:
            for name in self.databases:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def kafka_process_env(settings: Settings, group: str | None = None) -> dict[str, str]:
    """The settings a ``ledger relay`` / ``ledger project`` process of ``settings`` needs: its
    database, the broker, the topics' prefix and the consumer group."""
    return {
        "LEDGER_DATABASE_URL": settings.database_url or "",
        "LEDGER_KAFKA_BOOTSTRAP": settings.kafka_bootstrap or "",
        "LEDGER_KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix,
        "LEDGER_KAFKA_GROUP": group or settings.kafka_group,
    }


@contextmanager
def bench_environment(settings: Settings, *, kafka: bool = True) -> Iterator[BenchEnv]:
    workdir = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    broker_dir = workdir / "kafka"
    started_broker = False
    try:
        server = (
            Database.from_url(settings.database_url)
            if settings.database_url
            else embedded_database(workdir)
        )
        bootstrap = settings.kafka_bootstrap
        if kafka and not bootstrap:
            ensure_jars()
            bootstrap = start_broker(broker_dir).bootstrap
            started_broker = True
        env = BenchEnv(server=server, bootstrap=bootstrap, workdir=workdir)
        try:
            yield env
        finally:
            env.drop_databases()
    finally:
        if started_broker:
            stop_broker(broker_dir)
        shutil.rmtree(workdir, ignore_errors=True)


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by the inclusive method; values in any order."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def histogram_quantile(
    q: float, before: Mapping[float, float], after: Mapping[float, float]
) -> float:
    """The ``q``-quantile (0..1) of what a cumulative histogram counted between two readings
    (upper bound -> count, ``inf`` included), estimated as Prometheus's ``histogram_quantile``
    does: linearly inside the bucket the rank falls in, the first bucket starting at 0, and
    the largest finite bound if it falls beyond it (0 < q < 1)."""
    bounds = sorted(after)
    counts = [after[bound] - before.get(bound, 0.0) for bound in bounds]
    if not counts or counts[-1] <= 0:
        return float("nan")
    rank = q * counts[-1]
    lower, below = 0.0, 0.0
    for bound, count in zip(bounds, counts, strict=True):
        if count >= rank:
            if math.isinf(bound):
                return lower
            return lower + (bound - lower) * (rank - below) / (count - below)
        lower, below = bound, count
    return lower  # pragma: no cover - the +Inf bucket counts everything


@contextmanager
def collector_as_in_services() -> Iterator[None]:
    """The garbage collector tuned as the ledger's processes tune it at start
    (:func:`infra.collector.fewer_collector_pauses`), for work a benchmark runs in its own
    process on their behalf (a relay, a projector, a follower); CPython's defaults afterwards."""
    previous = gc.get_threshold()
    fewer_collector_pauses()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*previous)
