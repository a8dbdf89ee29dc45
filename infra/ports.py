"""A free TCP port on the loopback interface, for a server this process is about to start."""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"


def free_port(exclude: set[int] | None = None) -> int:
    """A port nothing listens on now (and not in ``exclude``: ports already handed out)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((LOOPBACK, 0))
            port = int(probe.getsockname()[1])
        if not exclude or port not in exclude:
            return port
    raise OSError("could not find a free TCP port")
