"""A real ``ledger serve`` (uvicorn on a free port) on a test database, for tests that need a
server as browsers and streams see it: the browser tests, and the live stream's tests."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.actors import Role
from gateway.auth import grant_token
from infra.ports import free_port
from infra.postgres import Database
from tests.pipeline import ledger_process


@dataclass(frozen=True)
class Served:
    url: str
    tokens: Mapping[str, str]
    log: Path

    def request(
        self, method: str, path: str, token: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        """One HTTP request; the status and the JSON answer (problems included)."""
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        # Always http://127.0.0.1:<port> (the server this module started), never a file: URL.
        request = urllib.request.Request(self.url + path, data, headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


Principal = tuple[Role, UUID | None]


@contextmanager
def served_ledger(
    database: Database, data_dir: Path, principals: Mapping[str, Principal]
) -> Iterator[Served]:
    """``ledger serve`` on ``database`` (the embedded follower projects inside it), with a token
    per named principal; stopped (SIGTERM) on exit."""
    tokens: dict[str, str] = {}
    grants = []
    for name, (role, agency_id) in principals.items():
        token, grant = grant_token(principal=name, role=role, agency_id=agency_id)
        tokens[name] = token
        grants.append(grant.model_dump(mode="json"))
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "serve.log"
    env = {
        "LEDGER_DATABASE_URL": database.url,
        "LEDGER_DATA_DIR": str(data_dir),
        "LEDGER_TOKENS": json.dumps(grants),
        "LEDGER_KAFKA_BOOTSTRAP": "",
    }
    process = ledger_process(["serve", "--host", "127.0.0.1", "--port", str(port)], env, log)
    served = Served(f"http://127.0.0.1:{port}", tokens, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise AssertionError(f"ledger serve exited:\n{log.read_text()[-3000:]}")
            try:
                status, _ = served.request("GET", "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"ledger serve did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_until(condition: Any, timeout: float, what: str) -> Any:
    """Poll ``condition()`` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)
