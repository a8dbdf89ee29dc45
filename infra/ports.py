"""Local TCP ports: a free one for a server about to start, and who holds a server's connections."""

from __future__ import annotations

import os
import socket
from collections import Counter
from pathlib import Path

LOOPBACK = "127.0.0.1"
TCP_ESTABLISHED = "01"  # a socket's state in /proc/net/tcp


def free_port(exclude: set[int] | None = None) -> int:
    """A port nothing listens on now (and not in ``exclude``: ports already handed out)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((LOOPBACK, 0))
            port = int(probe.getsockname()[1])
        if not exclude or port not in exclude:
            return port
    raise OSError("could not find a free TCP port")


def connections_by_process(port: int) -> Counter[int]:
    """Established connections on the server side of ``port``, by the id of the process holding
    them: how a server's worker processes shared out their clients. Read from Linux's ``/proc``
    (the kernel's socket table, then each process's open files)."""
    established = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == TCP_ESTABLISHED and int(local.rsplit(":", 1)[1], 16) == port:
                established.add(f"socket:[{inode}]")
    holders: Counter[int] = Counter()
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            files = [os.readlink(f) for f in (process / "fd").iterdir()]
        except OSError:
            continue  # gone meanwhile, or not ours to look at
        holders[int(process.name)] += sum(1 for f in files if f in established)
    return +holders  # without the processes holding none
