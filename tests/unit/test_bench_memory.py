"""The benchmark's peak-memory figures read what the kernel says of each process."""

from __future__ import annotations

import subprocess
import sys
import time

from infra.bench.memory import peak_rss_mib
from infra.ledger_process import ROOT

TOUCH_100_MIB = (
    "import sys, time\n"
    "block = bytearray(100 * 2**20)\n"
    "block[::4096] = b'1' * len(block[::4096])\n"  # touch every page: resident, not just mapped
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)


def test_a_new_peak_starts_after_a_reset() -> None:
    # In a fresh process: a long-lived one (a test worker) may have peaked far higher already.
    script = (
        "from infra.bench.memory import peak_rss_mib, reset_peak\n"
        "block = bytearray(64 * 2**20)\n"
        "block[::4096] = b'1' * len(block[::4096])\n"
        "with_block = peak_rss_mib()\n"
        "del block\n"
        "reset_peak()\n"
        "print(with_block, peak_rss_mib())\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, check=True, cwd=ROOT
    ).stdout.split()
    with_block, after_reset = map(float, output)
    assert with_block - after_reset > 50


def test_the_peak_of_a_process_includes_its_children() -> None:
    baseline = peak_rss_mib()
    assert baseline is not None
    child = subprocess.Popen([sys.executable, "-c", TOUCH_100_MIB], stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        own = peak_rss_mib(child.pid)
        family = peak_rss_mib("self")
        assert own is not None and own >= 100
        assert family is not None and family >= own  # the largest process of the family
    finally:
        child.kill()
        child.communicate()


def test_a_process_that_is_gone_has_no_figure() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    time.sleep(0.05)
    assert peak_rss_mib(child.pid) is None
