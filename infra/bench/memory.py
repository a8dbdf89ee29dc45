"""Peak memory of the benchmarked processes (Linux ``/proc``): the bench process itself per
benchmark, and every ``ledger`` process a benchmark starts.

The kernel keeps each process's peak resident set (``VmHWM``); writing ``5`` to its
``clear_refs`` starts a new peak, so each benchmark of the one bench process gets its own figure
instead of the run's maximum so far.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

PROC = Path("/proc")


def reset_peak(pid: int | str = "self") -> None:
    """Start a new peak for ``pid`` (nothing happens where the kernel does not allow it)."""
    with contextlib.suppress(OSError):
        (PROC / str(pid) / "clear_refs").write_text("5")


def peak_rss_mib(pid: int | str = "self") -> float | None:
    """The largest peak resident set of ``pid`` and its descendants, in MiB (``None`` if the
    process is gone or ``/proc`` does not say)."""
    peaks = [p for p in map(_own_peak_kib, _with_descendants(str(pid))) if p is not None]
    return max(peaks) / 1024 if peaks else None


def _own_peak_kib(pid: str) -> int | None:
    try:
        status = (PROC / pid / "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def _with_descendants(pid: str) -> list[str]:
    found = [pid]
    for tid in _listdir(PROC / pid / "task"):
        try:
            children = (PROC / pid / "task" / tid / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += _with_descendants(child)
    return found


def _listdir(path: Path) -> list[str]:
    try:
        return [p.name for p in path.iterdir()]
    except OSError:
        return []
