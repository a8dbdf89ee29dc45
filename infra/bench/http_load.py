"""A lean HTTP/1.1 load client: keep-alive connections over loopback, JSON bodies.

Why not httpx: on these 2-core machines the load generator shares the cores with the gateway
and PostgreSQL, and a general-purpose client spends more CPU per request (≈ 1.7 ms with
httpx) than the gateway does — the benchmark then measures the client. This one writes the
request bytes and reads the status line, the headers and a ``Content-Length`` body; anything
else from the server (chunked bodies, a closed connection) is an error, not a guess.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass


class HttpLoadError(RuntimeError):
    """The server answered in a way this client does not read (or not at all)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    seconds: float


class Connection:
    """One keep-alive connection; one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def send(self, head: bytes, body: bytes) -> Answer:
        started = time.perf_counter()
        self.writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
        status_and_headers = await self.reader.readuntil(b"\r\n\r\n")
        lines = status_and_headers.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"transfer-encoding":
                raise HttpLoadError("chunked responses are not read by the load client")
        if length is None:
            raise HttpLoadError("a response without Content-Length")
        body_read = await self.reader.readexactly(length) if length else b""
        return Answer(status, body_read, time.perf_counter() - started)

    def close(self) -> None:
        self.writer.close()


class LoadClient:
    """``connections`` keep-alive connections to ``host:port``, lent one request at a time."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host = host
        self.port = port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._idle: asyncio.Queue[Connection] = asyncio.Queue()
        self._all: list[Connection] = []

    async def open(self, connections: int) -> None:
        """Connections made one at a time, each answering ``GET /healthz`` before the next is
        made: a server of several worker processes then shares them out at random, as it would
        clients arriving over time (a burst of connections may all go to whichever worker
        wakes first)."""
        head = self.head("GET", "/healthz")
        for _ in range(connections):
            reader, writer = await asyncio.open_connection(self.host, self.port)
            connection = Connection(reader, writer)
            self._all.append(connection)
            answer = await connection.send(head, b"")
            if answer.status != 200:
                raise HttpLoadError(f"the server is not healthy: {answer.status}")
            self._idle.put_nowait(connection)

    def head(self, method: str, path: str) -> bytes:
        """The request head up to the ``Content-Length`` value (the body's length follows)."""
        return (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.extra}"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        connection = await self._idle.get()
        try:
            yield connection
        finally:
            self._idle.put_nowait(connection)

    async def send(self, head: bytes, body: bytes) -> Answer:
        async with self.connection() as connection:
            return await connection.send(head, body)

    def close(self) -> None:
        for connection in self._all:
            connection.close()
        self._all.clear()
        self._idle = asyncio.Queue()


async def wait_for_server(port: int) -> None:
    """Until something listens on ``port`` of loopback (30 s at most)."""
    for _ in range(300):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise RuntimeError("the gateway did not start")


@contextmanager
def collector_paused() -> Iterator[None]:
    """The load client's own garbage collection paused while it measures. A full collection of
    the benchmark's process (the whole ledger imported, the data it prepared) stalls it for
    about 90 ms, and every request in flight then looks 90 ms slower: the client's pause, not
    the server's. What it allocates meanwhile is freed by reference counting."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
