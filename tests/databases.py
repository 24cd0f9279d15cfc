"""A PostgreSQL database of its own, created on a server and dropped afterwards (the tests' and the benchmarks')."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from gateway.db import make_engine


@contextmanager
def new_database(server_url: str, prefix: str = "gw_test") -> Iterator[str]:
    """The URL of a new, empty database on the server `server_url` points at; dropped (forcibly) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
