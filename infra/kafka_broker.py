"""Run a real single-node Apache Kafka 4.x broker (KRaft) for tests and local work.

Design, briefly:

* **Why Maven.** The only reachable artifact host is Maven Central: the Kafka release tarball and
  Docker images are out of reach. ``org.apache.kafka:kafka_2.13`` on Maven Central pulls every
  broker module (server, raft, metadata, storage, coordinators, clients, Scala, Jackson, codecs) at
  runtime scope, so ``infra/kafka/pom.xml`` plus ``mvn dependency:copy-dependencies`` yields the
  same classpath as the tarball's ``libs/``. :func:`ensure_jars` does that once into a cache folder
  outside git and writes a marker (holding a hash of the pom), so a warm machine never runs Maven.
* **Why the SLF4J 1.x binding.** Every Kafka 4.x uses slf4j-api 1.7.36, and no Kafka POM brings a
  binding; without ``log4j-slf4j-impl`` (the 1.x binding, *not* ``log4j-slf4j2-impl``) the broker
  logs nothing at all. The pom pins log4j api/core/binding to one version.
* **Process model.** :func:`start_broker` writes ``server.properties`` into the data dir, formats
  the KRaft storage once (``meta.properties`` present means formatted, so a restart on the same
  data dir keeps its data), and starts ``java kafka.Kafka`` in its own session/process group with
  stdout/stderr in ``<data_dir>/broker.out`` and the pid in ``<data_dir>/broker.pid``. The pid file
  plus ``/proc/<pid>/cmdline`` let any process (the CLI, another pytest run) find, reuse, stop or
  kill the broker of a data dir.
* **Readiness probe.** In Kafka 4.x the broker opens its client listener only in "Enabling request
  processing", after the node is unfenced, so a successful TCP connect to the PLAINTEXT port means
  the broker is ready for clients. We also check that our java process is still alive (a TCP
  connect to a port some other process owns would otherwise look like success).

Data dir layout: ``server.properties``, ``kraft-logs/`` (``log.dirs``, incl. the metadata log),
``server.log`` (log4j INFO+), ``broker.out`` (console: WARN+ and JVM errors), ``broker.pid``,
``tmp/`` (``java.io.tmpdir``; a ``noexec`` /tmp would break the native compression codecs).

CLI: ``python -m infra.kafka_broker start|stop|status [--data-dir DIR] [--port N]``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from infra.ports import free_port

KAFKA_VERSION = "4.3.1"

_INFRA_DIR = Path(__file__).resolve().parent
POM_FILE = _INFRA_DIR / "kafka" / "pom.xml"
LOG4J_CONFIG = _INFRA_DIR / "kafka" / "log4j2.xml"

HOST = "127.0.0.1"
JVM_HEAP = "-Xmx512m"
CACHE_ENV = "LEDGER_CACHE_DIR"

_MARKER_NAME = ".complete"
_PROPS_NAME = "server.properties"
_PID_NAME = "broker.pid"
_CONSOLE_NAME = "broker.out"
_SERVER_LOG_NAME = "server.log"
_LOG_DIRS_NAME = "kraft-logs"
_LOCK_NAME = ".broker.lock"
_START_BANNER = "===== starting broker"
_MAVEN_TIMEOUT_S = 900.0
_FORMAT_TIMEOUT_S = 120.0


class KafkaInfraError(RuntimeError):
    """Base class for errors of this module."""


class JarFetchError(KafkaInfraError):
    """Maven could not assemble the broker classpath."""


class BrokerStartError(KafkaInfraError):
    """The broker could not be started (or died / timed out while starting)."""


@dataclass(frozen=True)
class BrokerInfo:
    bootstrap: str
    data_dir: Path
    pid: int


# --------------------------------------------------------------------------- jars


def cache_root() -> Path:
    """``$LEDGER_CACHE_DIR`` if set, else ``~/.cache/supervision-ledger``."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "supervision-ledger"


def default_lib_dir() -> Path:
    return cache_root() / f"kafka-{KAFKA_VERSION}" / "lib"


def _pom_stamp() -> str:
    return hashlib.sha256(POM_FILE.read_bytes()).hexdigest()


def _jars_ready(lib: Path, stamp: str) -> bool:
    marker = lib / _MARKER_NAME
    try:
        return marker.read_text().strip() == stamp
    except OSError:
        return False


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock (serialises concurrent pytest workers / CLI calls)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def ensure_jars(cache_dir: Path | None = None) -> Path:
    """Return a folder holding the broker's jars, running Maven only if it is not filled yet.

    ``cache_dir`` is the jar folder itself (default :func:`default_lib_dir`). Maven uses its
    default local repository (``~/.m2``). A marker with the pom's hash is written last, so an
    interrupted or failed download is redone and a changed pom refreshes the cache.
    """
    lib = (cache_dir if cache_dir is not None else default_lib_dir()).expanduser().resolve()
    stamp = _pom_stamp()
    if _jars_ready(lib, stamp):
        return lib
    with _file_lock(lib.parent / f".{lib.name}.lock"):
        if _jars_ready(lib, stamp):  # another process filled it while we waited
            return lib
        mvn = shutil.which("mvn")
        if mvn is None:
            raise JarFetchError("`mvn` not found on PATH; it is needed once to fetch Kafka's jars")
        staging = lib.parent / f".{lib.name}.staging-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        cmd = [
            mvn,
            "-B",
            "-q",
            "-f",
            str(POM_FILE),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ]
        try:
            proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
                cmd,
                cwd=lib.parent,
                capture_output=True,
                text=True,
                timeout=_MAVEN_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise JarFetchError(f"maven timed out after {_MAVEN_TIMEOUT_S:.0f}s") from exc
        if proc.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            out = _last_lines(proc.stdout + proc.stderr, 30)
            raise JarFetchError(f"maven failed (exit {proc.returncode}):\n{out}")
        for required in (f"kafka_2.13-{KAFKA_VERSION}.jar", "log4j-slf4j-impl-"):
            if not any(p.name.startswith(required) for p in staging.glob("*.jar")):
                shutil.rmtree(staging, ignore_errors=True)
                raise JarFetchError(f"maven succeeded but no {required}* jar in {staging}")
        shutil.rmtree(lib, ignore_errors=True)
        staging.rename(lib)
        (lib / _MARKER_NAME).write_text(stamp + "\n")
    return lib


# --------------------------------------------------------------------------- helpers


def _last_lines(text: str, n: int) -> str:
    return "\n".join(text.splitlines()[-n:])


def _tail_file(path: Path, n: int) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return f"(no {path.name})"
    return _last_lines(data, n) or f"({path.name} is empty)"


def _last_error_line(data_dir: Path) -> str:
    """The last ERROR/exception line of the current start attempt's console output, if any."""
    text = _tail_file(data_dir / _CONSOLE_NAME, 200)
    text = text.rsplit(_START_BANNER, 1)[-1]
    for line in reversed(text.splitlines()):
        if line.startswith(("java.", "Exception", "Error")) or " ERROR " in line:
            return line.strip()
    return ""


def broker_log_tail(data_dir: Path, lines: int = 30) -> str:
    """The end of the broker's console output and of its log4j server.log."""
    return (
        f"--- {_CONSOLE_NAME} ---\n{_tail_file(data_dir / _CONSOLE_NAME, lines)}\n"
        f"--- {_SERVER_LOG_NAME} ---\n{_tail_file(data_dir / _SERVER_LOG_NAME, lines)}"
    )


def _free_port(exclude: set[int] | None = None) -> int:
    try:
        return free_port(exclude)
    except OSError as error:
        raise BrokerStartError(str(error)) from None


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def _port_accepts(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def _read_props(path: Path) -> dict[str, str]:
    props: dict[str, str] = {}
    try:
        text = path.read_text()
    except OSError:
        return props
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "!")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        props[key.strip()] = value.strip()
    return props


def _configured_ports(data_dir: Path) -> tuple[int | None, int | None]:
    """(broker port, controller port) from an existing server.properties, if any."""
    listeners = _read_props(data_dir / _PROPS_NAME).get("listeners", "")
    ports: dict[str, int] = {}
    for item in listeners.split(","):
        name, sep, rest = item.partition("://")
        if sep and ":" in rest:
            with contextlib.suppress(ValueError):
                ports[name.strip()] = int(rest.rsplit(":", 1)[1])
    return ports.get("PLAINTEXT"), ports.get("CONTROLLER")


def _server_properties(data_dir: Path, port: int, controller_port: int) -> str:
    log_dirs = data_dir / _LOG_DIRS_NAME
    lines = [
        "# Written by infra/kafka_broker.py; rewritten on every start.",
        "process.roles=broker,controller",
        "node.id=1",
        f"listeners=PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        f"advertised.listeners=PLAINTEXT://{HOST}:{port}",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        f"controller.quorum.voters=1@{HOST}:{controller_port}",
        f"log.dirs={log_dirs}",
        "num.partitions=3",
        "default.replication.factor=1",
        "min.insync.replicas=1",
        "auto.create.topics.enable=false",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=3",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "transaction.state.log.num.partitions=3",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        # After a SIGKILL the restarted broker cannot register until the dead incarnation's
        # session expires (DUPLICATE_BROKER_REGISTRATION); the 9 s default made every
        # kill-and-restart take ~13 s. Loopback heartbeats make a 4 s session safe.
        "broker.heartbeat.interval.ms=1000",
        "broker.session.timeout.ms=4000",
        "num.network.threads=2",
        "num.io.threads=4",
        "log.retention.hours=-1",
        "",
    ]
    return "\n".join(lines)


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file():
            return str(candidate)
    java = shutil.which("java")
    if java is None:
        raise BrokerStartError("`java` (17+) not found on PATH or in $JAVA_HOME")
    return java


def _java_cmd(lib: Path, data_dir: Path, main_class: str, *args: str) -> list[str]:
    return [
        _java(),
        JVM_HEAP,
        "-XX:+ExitOnOutOfMemoryError",
        "-Djava.awt.headless=true",
        f"-Djava.io.tmpdir={data_dir / 'tmp'}",
        f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
        f"-Dkafka.logs.dir={data_dir}",
        "-cp",
        f"{lib}/*",  # the JVM expands the wildcard; no shell involved
        main_class,
        *args,
    ]


def _random_cluster_id() -> str:
    """Same shape as ``StorageTool random-uuid``: 16 random bytes, URL-safe base64, no padding."""
    while True:
        cid = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        if not cid.startswith("-"):  # Kafka avoids ids that look like CLI flags
            return cid


def _is_formatted(data_dir: Path) -> bool:
    return (data_dir / _LOG_DIRS_NAME / "meta.properties").is_file()


def _format_storage(lib: Path, data_dir: Path) -> None:
    props = data_dir / _PROPS_NAME
    cmd = _java_cmd(
        lib,
        data_dir,
        "kafka.tools.StorageTool",
        "format",
        "-t",
        _random_cluster_id(),
        "-c",
        str(props),
    )
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
            cmd,
            cwd=data_dir,
            capture_output=True,
            text=True,
            timeout=_FORMAT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BrokerStartError(f"storage format timed out after {_FORMAT_TIMEOUT_S:.0f}s") from exc
    if proc.returncode != 0 or not _is_formatted(data_dir):
        out = _last_lines(proc.stdout + proc.stderr, 30)
        raise BrokerStartError(f"kafka storage format failed (exit {proc.returncode}):\n{out}")


# --------------------------------------------------------------------------- process bookkeeping

# Brokers started by this Python process: kept so that we can reap them (an exited child would
# otherwise stay a zombie, and ``kill(pid, 0)`` reports zombies as alive).
_children: dict[int, subprocess.Popen[bytes]] = {}


def _read_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / _PID_NAME).read_text().strip())
    except (OSError, ValueError):
        return None


def _pid_is_our_broker(pid: int, data_dir: Path) -> bool:
    """True if ``pid`` is a live (non-zombie) ``kafka.Kafka`` process for this data dir."""
    child = _children.get(pid)
    if child is not None:
        if child.poll() is not None:
            _children.pop(pid, None)
            return False
        return True
    proc = Path("/proc") / str(pid)
    if proc.is_dir():
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        state = stat.rsplit(")", 1)[-1].split()[0] if ")" in stat else "?"
        if state in ("Z", "X"):
            return False
        props = str(data_dir / _PROPS_NAME).encode()
        return b"kafka.Kafka" in cmdline and props in cmdline
    try:  # no /proc (not Linux): best effort
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _running_pid(data_dir: Path) -> int | None:
    pid = _read_pid(data_dir)
    if pid is not None and _pid_is_our_broker(pid, data_dir):
        return pid
    return None


def is_running(data_dir: Path) -> bool:
    """True if the broker recorded in ``data_dir`` is alive (it may still be starting)."""
    return _running_pid(Path(data_dir).resolve()) is not None


def _wait_exit(pid: int, data_dir: Path, timeout: float) -> bool:
    child = _children.get(pid)
    if child is not None:
        try:
            child.wait(timeout=max(timeout, 0.0))
        except subprocess.TimeoutExpired:
            return False
        _children.pop(pid, None)
        return True
    deadline = time.monotonic() + timeout
    while _pid_is_our_broker(pid, data_dir):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the broker's process group (it is a session leader), falling back to the pid."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _clear_pid_file(data_dir: Path, pid: int) -> None:
    if _read_pid(data_dir) == pid:
        with contextlib.suppress(FileNotFoundError):
            (data_dir / _PID_NAME).unlink()


# --------------------------------------------------------------------------- public API


def _wait_ready(
    data_dir: Path, pid: int, port: int, timeout: float, child: subprocess.Popen[bytes] | None
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if child is not None and child.poll() is not None:
            _children.pop(pid, None)
            _clear_pid_file(data_dir, pid)
            cause = _last_error_line(data_dir)
            raise BrokerStartError(
                f"kafka broker exited with code {child.returncode} while starting "
                f"(data dir {data_dir}){': ' + cause if cause else ''}\n"
                f"{broker_log_tail(data_dir)}"
            )
        if child is None and not _pid_is_our_broker(pid, data_dir):
            raise BrokerStartError(
                f"kafka broker pid {pid} died while starting (data dir {data_dir})\n"
                f"{broker_log_tail(data_dir)}"
            )
        if _port_accepts(port):
            return
        if time.monotonic() >= deadline:
            _signal_group(pid, signal.SIGKILL)
            _wait_exit(pid, data_dir, 10.0)
            _clear_pid_file(data_dir, pid)
            raise BrokerStartError(
                f"kafka broker not accepting connections on {HOST}:{port} after {timeout:.0f}s "
                f"(killed it; data dir {data_dir})\n{broker_log_tail(data_dir)}"
            )
        time.sleep(0.1)


def _start(
    data_dir: Path,
    port: int | None,
    controller_port: int | None,
    timeout: float,
    lib_dir: Path | None,
) -> tuple[BrokerInfo, bool]:
    """Start (or reuse) the broker of ``data_dir``; the flag says whether we started it."""
    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    with _file_lock(data_dir / _LOCK_NAME):
        old_port, old_cport = _configured_ports(data_dir)
        pid = _running_pid(data_dir)
        if pid is not None:
            if old_port is None:
                raise BrokerStartError(
                    f"broker pid {pid} runs but {data_dir / _PROPS_NAME} is unreadable"
                )
            if port is not None and port != old_port:
                raise BrokerStartError(
                    f"a broker (pid {pid}) already runs for {data_dir} "
                    f"on port {old_port}, not {port}"
                )
            _wait_ready(data_dir, pid, old_port, timeout, _children.get(pid))
            return BrokerInfo(f"{HOST}:{old_port}", data_dir, pid), False

        lib = ensure_jars(lib_dir)
        # Ports: explicit > the ones this data dir used before (if still free) > fresh ones.
        if port is None and old_port is not None and _port_is_free(old_port):
            port = old_port
        if (
            controller_port is None
            and old_cport is not None
            and old_cport != port
            and _port_is_free(old_cport)
        ):
            controller_port = old_cport
        if port is None:
            port = _free_port(exclude={controller_port} if controller_port else None)
        if controller_port is None:
            controller_port = _free_port(exclude={port})
        if port == controller_port:
            raise BrokerStartError(f"broker and controller port must differ (both {port})")
        for p in (port, controller_port):
            if not _port_is_free(p):
                raise BrokerStartError(f"port {HOST}:{p} is already in use")

        (data_dir / "tmp").mkdir(exist_ok=True)
        (data_dir / _PROPS_NAME).write_text(_server_properties(data_dir, port, controller_port))
        if not _is_formatted(data_dir):
            _format_storage(lib, data_dir)

        cmd = _java_cmd(lib, data_dir, "kafka.Kafka", str(data_dir / _PROPS_NAME))
        with (data_dir / _CONSOLE_NAME).open("ab") as console:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            console.write(f"\n{_START_BANNER} at {stamp} =====\n".encode())
            console.flush()
            child = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                cmd,
                cwd=data_dir,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: Ctrl-C of the caller does not hit it
            )
        _children[child.pid] = child
        (data_dir / _PID_NAME).write_text(f"{child.pid}\n")
        _wait_ready(data_dir, child.pid, port, timeout, child)
        return BrokerInfo(f"{HOST}:{port}", data_dir, child.pid), True


def start_broker(
    data_dir: Path,
    port: int | None = None,
    controller_port: int | None = None,
    timeout: float = 90.0,
    *,
    lib_dir: Path | None = None,
) -> BrokerInfo:
    """Start a single-node KRaft broker for ``data_dir`` and wait until it accepts connections.

    If the broker recorded in ``data_dir`` is alive, it is reused (and waited for) instead.
    Unset ports reuse the data dir's previous ports when free, else pick free ones.
    Raises :class:`BrokerStartError` (with the tail of the broker logs) on failure.
    """
    info, _ = _start(data_dir, port, controller_port, timeout, lib_dir)
    return info


def stop_broker(data_dir: Path, timeout: float = 30.0) -> None:
    """Stop the broker of ``data_dir``: SIGTERM, then SIGKILL after ``timeout``; waits for exit."""
    data_dir = Path(data_dir).expanduser().resolve()
    pid = _running_pid(data_dir)
    if pid is None:
        with contextlib.suppress(FileNotFoundError):
            (data_dir / _PID_NAME).unlink()
        return
    _signal_group(pid, signal.SIGTERM)
    if not _wait_exit(pid, data_dir, timeout):
        _signal_group(pid, signal.SIGKILL)
        if not _wait_exit(pid, data_dir, 10.0):
            raise KafkaInfraError(f"kafka broker pid {pid} survived SIGKILL")
    _clear_pid_file(data_dir, pid)


def kill_broker(data_dir: Path) -> None:
    """SIGKILL the broker of ``data_dir`` (no clean shutdown; for fault-injection tests)."""
    data_dir = Path(data_dir).expanduser().resolve()
    pid = _running_pid(data_dir)
    if pid is None:
        return
    _signal_group(pid, signal.SIGKILL)
    if not _wait_exit(pid, data_dir, 10.0):
        raise KafkaInfraError(f"kafka broker pid {pid} survived SIGKILL")
    _clear_pid_file(data_dir, pid)


@contextlib.contextmanager
def running_broker(
    data_dir: Path,
    port: int | None = None,
    controller_port: int | None = None,
    timeout: float = 90.0,
    *,
    lib_dir: Path | None = None,
) -> Iterator[BrokerInfo]:
    """Context manager: start (or reuse) a broker; stop it on exit if this call started it."""
    info, started = _start(data_dir, port, controller_port, timeout, lib_dir)
    try:
        yield info
    finally:
        if started:
            stop_broker(info.data_dir)


# --------------------------------------------------------------------------- CLI


def default_data_dir() -> Path:
    return cache_root() / f"kafka-{KAFKA_VERSION}" / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.kafka_broker", description="Run a local single-node Kafka broker."
    )
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"broker data dir (default: {default_data_dir()})",
    )
    parser.add_argument("--port", type=int, default=None, help="PLAINTEXT port (start only)")
    parser.add_argument(
        "--controller-port", type=int, default=None, help="CONTROLLER port (start only)"
    )
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds to wait (start: 90, stop: 30)"
    )
    args = parser.parse_args(argv)
    data_dir: Path = (args.data_dir or default_data_dir()).expanduser().resolve()
    try:
        if args.command == "start":
            timeout = 90.0 if args.timeout is None else args.timeout
            info = start_broker(data_dir, args.port, args.controller_port, timeout)
            print(f"kafka broker pid {info.pid}, data dir {info.data_dir}", file=sys.stderr)
            print(info.bootstrap)
            return 0
        if args.command == "stop":
            stop_broker(data_dir, 30.0 if args.timeout is None else args.timeout)
            print(f"kafka broker for {data_dir} stopped", file=sys.stderr)
            return 0
        pid = _running_pid(data_dir)
        port, _ = _configured_ports(data_dir)
        if pid is not None and port is not None and _port_accepts(port):
            print(f"running pid={pid} bootstrap={HOST}:{port} data_dir={data_dir}")
            return 0
        state = "starting" if pid is not None else "not running"
        print(f"{state} (data_dir={data_dir})")
        return 1
    except KafkaInfraError as exc:
        lines = str(exc).splitlines() or [type(exc).__name__]
        more = f" (see {data_dir / _CONSOLE_NAME})" if len(lines) > 1 else ""
        print(f"error: {lines[0]}{more}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
