"""``ledger serve`` on its embedded PostgreSQL stops the server it started when it is stopped.

The embedded server is stopped by the last process of the wheel's list of the processes using it
(``pg/.handle_pids.json``), at that process's exit. A SIGTERM must therefore end ``ledger serve``
as a normal exit would (uvicorn re-raises the signal after its graceful shutdown, which would kill
the process before its exit handlers ran), and a process that died without leaving the list
(SIGKILL, power cut) must not keep every later server running for good.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest

from infra.ports import free_port
from tests.pipeline import healthy, ledger_process, wait_for

pytestmark = pytest.mark.slow


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "pg" / "postmaster.pid").read_text().splitlines()[0])


def serve_and_terminate(
    data_dir: Path,
    log: Path,
    *args: str,
    while_up: Callable[[int], None] = lambda port: None,
) -> int:
    """Start ``ledger serve *args`` on the embedded PostgreSQL in ``data_dir``, wait until it
    answers, call ``while_up(port)``, SIGTERM it; the postmaster's pid it ran on."""
    port = free_port()
    env = {
        "LEDGER_DATABASE_URL": "",
        "LEDGER_DATA_DIR": str(data_dir),
        "LEDGER_KAFKA_BOOTSTRAP": "",
        "LEDGER_CHECKPOINT_INTERVAL": "3600",
    }
    process = ledger_process(["serve", "--port", str(port), *args], env, log)
    try:
        wait_for(lambda: healthy(port), 120, "the gateway")
        while_up(port)
        pid = postmaster_pid(data_dir)
        assert not gone(pid)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    return pid


def gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie waiting for its parent has)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def a_dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    assert gone(child.pid)
    return child.pid


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data folder outside pytest's own: as root, the embedded server runs as another user,
    which must reach the folder, and every pytest session starting on this machine takes the
    others' access to pytest's temporary folders away again."""
    made = Path(tempfile.mkdtemp(prefix="ledger-serve-"))
    yield made
    shutil.rmtree(made, ignore_errors=True)


def test_a_terminated_serve_stops_its_embedded_postgres(data_dir: Path) -> None:
    log = data_dir / "serve.log"

    def the_printed_urls_work(port: int) -> None:
        # Bound to every interface, the demo prints an address a browser here can open, and
        # what the public (no token) may do.
        printed = log.read_text()
        base = f"http://127.0.0.1:{port}"
        assert f"The ledger is at {base}/" in printed
        public = f"{base}/api/v1/public/e-certificates/DEMO-EC-NOW"
        assert f"curl {public}" in printed
        assert httpx2.get(public, timeout=10).json()["valid_now"] is True

    pid = serve_and_terminate(
        data_dir,
        log,
        "--demo",
        "--host",
        "0.0.0.0",  # noqa: S104 - every interface, on purpose
        while_up=the_printed_urls_work,
    )
    wait_for(lambda: gone(pid), 10, f"the postmaster {pid} to stop")
    holders = json.loads((data_dir / "pg" / ".handle_pids.json").read_text())
    assert holders == []


def test_a_holder_that_died_without_leaving_keeps_no_server_running(data_dir: Path) -> None:
    # A first run initialises the data folder; then a process "dies" holding the server.
    first = serve_and_terminate(data_dir, data_dir / "first.log")
    wait_for(lambda: gone(first), 10, "the first postmaster to stop")
    dead = a_dead_pid()
    (data_dir / "pg" / ".handle_pids.json").write_text(json.dumps([dead]))

    pid = serve_and_terminate(data_dir, data_dir / "second.log")
    wait_for(lambda: gone(pid), 10, f"the postmaster {pid} to stop")
    assert dead not in json.loads((data_dir / "pg" / ".handle_pids.json").read_text())
