"""Shared fixtures: a migrated database per test, on SQLite and on PostgreSQL.

PostgreSQL tests run against GATEWAY_TEST_POSTGRES_URL (default: the local server). When it is unreachable they
skip with a loud reason, unless GATEWAY_REQUIRE_SERVICES=1 (set by .ci/run), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from gateway import x12_maps
from gateway.bootstrap import install
from gateway.db import make_engine
from gateway.partners import load_partners
from gateway.settings import DEFAULT_PARTNERS
from tests.databases import new_database

# CI runs the property tests with a fixed seed so that a red build is always reproducible; on a developer's
# machine they explore new examples on every run.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

POSTGRES_URL = os.environ.get("GATEWAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_SERVICES = os.environ.get("GATEWAY_REQUIRE_SERVICES") == "1"
TABLES_IN_DELETE_ORDER = (
    "as2_exchange", "applied_set", "message_event", "message_po", "message",
    "po_event", "receipt_line", "receipt", "confirmed_line", "confirmation", "attachment", "response_line",
    "vendor_response", "po_line", "po_version", "purchase_order", "onhand", "partner_link", "trading_partner",
    "control_counter", "partner_health",
)


@pytest.fixture(scope="session", autouse=True)
def x12_map_directories() -> None:
    """The pyx12 map directories the X12 validator reads, built as the gateway builds them at start-up."""
    x12_maps.install()


def postgres_or_skip() -> str:
    """The admin URL of a reachable PostgreSQL, or skip (fail under GATEWAY_REQUIRE_SERVICES=1)."""
    try:
        engine = make_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except OperationalError as e:
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable ({str(e).splitlines()[0]})"
        if REQUIRE_SERVICES:
            pytest.fail(f"GATEWAY_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(f"SKIPPED LOUDLY: {reason}; set GATEWAY_TEST_POSTGRES_URL")
    return POSTGRES_URL


@contextmanager
def created_database() -> Iterator[str]:
    """An empty PostgreSQL database of its own (skip when the server is unreachable); dropped afterwards."""
    with new_database(postgres_or_skip()) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database for this test session, built by the Alembic migrations; dropped at the end."""
    with created_database() as url:
        engine = make_engine(url)
        install(engine, load_partners(DEFAULT_PARTNERS))
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the demo partners, copied for each test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "gateway.db"
    engine = make_engine(f"sqlite:///{path}")
    install(engine, load_partners(DEFAULT_PARTNERS))
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database holding the demo partners (one customer, three vendors), empty otherwise."""
    if request.param == "sqlite":
        path = tmp_path / "gateway.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    eng = make_engine(request.getfixturevalue("postgres_url"))
    with eng.begin() as conn:
        kept = {"trading_partner", "partner_link"}
        names = ", ".join(t for t in TABLES_IN_DELETE_ORDER if t not in kept)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield eng
    eng.dispose()
