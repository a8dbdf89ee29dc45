"""A ``ledger`` subcommand in a process of its own: production shape for the benchmarks, and
something the reliability tests can kill -9."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ledger_process(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``ledger <command>`` with ``env`` (its ``LEDGER_*`` settings) over this environment, its
    output appended to ``log``."""
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    with log.open("ab") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "gateway.cli", *command],
            env=full_env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
