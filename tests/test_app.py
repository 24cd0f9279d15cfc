"""Setup as a user meets it: `gateway db upgrade`, `gateway run`'s preparation, the health check."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import inspect
from sqlmodel import Session, select

from gateway.bootstrap import engine_for, prepare
from gateway.cli import main
from gateway.db import make_engine
from gateway.models import PartnerLink, TradingPartner
from gateway.settings import DEFAULT_PARTNERS, Settings


def test_db_upgrade_builds_the_schema_and_is_idempotent(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GATEWAY_DATABASE_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0
    assert "is up to date" in capsys.readouterr().out
    tables = set(inspect(make_engine(f"sqlite:///{tmp_path / 'gateway.db'}")).get_table_names())
    assert {"purchase_order", "po_version", "po_line", "vendor_response", "confirmation", "receipt", "onhand",
            "po_event", "attachment", "alembic_version"} <= tables


def test_prepare_loads_partners_and_follows_the_file(tmp_path):
    settings = Settings(data_dir=tmp_path, partners=DEFAULT_PARTNERS)
    assert "4 partners loaded" in prepare(settings)
    engine = engine_for(settings)
    with Session(engine) as session:
        assert len(session.exec(select(TradingPartner)).all()) == 4
        assert len(session.exec(select(PartnerLink)).all()) == 3
    trimmed = tmp_path / "partners.toml"
    trimmed.write_text(DEFAULT_PARTNERS.read_text().replace('customers = ["contoso"]\nchanges_as', 'changes_as'))
    prepare(Settings(data_dir=tmp_path, partners=trimmed))  # northwind no longer trades with contoso
    with Session(engine) as session:
        links = {(link.customer_id, link.vendor_id) for link in session.exec(select(PartnerLink))}
    assert links == {("contoso", "fabrikam"), ("contoso", "litware")}


def test_serve_answers_health_with_the_database_in_use(tmp_path: Path):
    """A real `gateway serve` process on a free port, as an operator starts it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "GATEWAY_DATA_DIR": str(tmp_path), "GATEWAY_PORT": str(port)}
    env.pop("GATEWAY_DATABASE_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "gateway", "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    assert response.status == 200
                    assert json.loads(response.read()) == {"status": "ok", "database": "sqlite"}
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "gateway serve did not answer within 30 s"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.communicate(timeout=10)  # also closes the stderr pipe


def test_the_migrations_build_the_schema_the_models_describe(engine):
    """A model changed without its migration (or the reverse) leaves a database unlike the one the code expects:
    an index dropped from a model but not from the tables still costs every write, a column added to a model
    only fails at the first insert."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert differences == []


def test_a_lookup_by_a_dropped_single_column_index_is_served_by_the_key_that_leads_with_it(engine):
    """Migration 0008 dropped single-column indexes that a unique key starts with; the key still finds the rows."""
    with engine.connect() as conn:
        indexes = {table: inspect(conn).get_indexes(table) + [
            {"name": u["name"], "column_names": u["column_names"]} for u in inspect(conn).get_unique_constraints(table)]
                   for table in ("po_version", "po_line", "response_line", "confirmed_line", "purchase_order")}
    for table, column in (("po_version", "po_id"), ("po_line", "version_id"), ("response_line", "response_id"),
                          ("confirmed_line", "confirmation_id"), ("purchase_order", "customer_id"),
                          ("purchase_order", "vendor_id")):
        leading = [i["name"] for i in indexes[table] if i["column_names"][0] == column]
        assert leading, f"{table}.{column}: no index leads with it"
        assert [column] not in [i["column_names"] for i in indexes[table]], f"{table}.{column} indexed twice"
