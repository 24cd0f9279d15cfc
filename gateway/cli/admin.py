"""Operating commands: serve, db upgrade, partners check and status (`run` is in gateway.cli.workers)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gateway.errors import ConfigError
from gateway.settings import Settings


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="serve HTTP (health, later AS2, API, dashboard)")
    serve.set_defaults(handler=cmd_serve)

    db = subparsers.add_parser("db", help="database administration")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="SUBCOMMAND")
    up = db_sub.add_parser("upgrade", help="apply the migrations to GATEWAY_DATABASE_URL (idempotent)")
    up.set_defaults(handler=cmd_db_upgrade)

    partners = subparsers.add_parser("partners", help="trading partner configuration")
    p_sub = partners.add_subparsers(dest="partners_command", required=True, metavar="SUBCOMMAND")
    check = p_sub.add_parser("check", help="validate a partners file; one line per problem, non-zero on any")
    check.add_argument("file", nargs="?", type=Path, help="partners file (default: GATEWAY_PARTNERS)")
    check.set_defaults(handler=cmd_partners_check)
    status = p_sub.add_parser("status", help="partner health: last poll and send, failures, last error, expiry")
    status.set_defaults(handler=cmd_partners_status)
    sync = p_sub.add_parser("sync", help="reload the database's copy of the partners file (GATEWAY_PARTNERS)")
    sync.set_defaults(handler=cmd_partners_sync)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from gateway.db import make_engine, upgrade

    settings = Settings()
    upgrade(make_engine(settings.effective_database_url))
    print(f"database at {_redacted(settings.effective_database_url)} is up to date")
    return 0


def cmd_partners_check(args: argparse.Namespace) -> int:
    from gateway.partners import load_partners

    settings = Settings()
    path = args.file or settings.partners
    try:
        parsed = load_partners(path, key_dir=settings.key_dir)
    except ConfigError as e:
        for line in e.problems:
            print(line)
        print(f"{path}: {len(e.problems)} problem(s)", file=sys.stderr)
        return 1
    roles = {"customer": 0, "vendor": 0}
    for p in parsed.partners:
        roles[p.role] += 1
    print(f"{path}: ok, {roles['customer']} customer(s), {roles['vendor']} vendor(s)")
    return 0


def cmd_partners_status(args: argparse.Namespace) -> int:
    from gateway.db import make_engine
    from gateway.health import partner_status, status_table
    from gateway.partners import load_partners

    settings = Settings()
    partners = load_partners(settings.partners, key_dir=settings.key_dir)
    own = partners.gateway.as2.certificate if partners.gateway.as2 is not None else None
    statuses = partner_status(make_engine(settings.effective_database_url), list(partners.partners),
                              own_certificate=own)
    for line in status_table(statuses):
        print(line)
    return 0


def cmd_partners_sync(args: argparse.Namespace) -> int:
    from gateway.bootstrap import install
    from gateway.db import make_engine
    from gateway.partners import load_partners

    settings = Settings()
    partners = load_partners(settings.partners, key_dir=settings.key_dir)  # a ConfigError: one line per problem
    install(make_engine(settings.effective_database_url), partners)
    print(f"{settings.partners}: {len(partners.partners)} partner(s) synced to "
          f"{_redacted(settings.effective_database_url)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gateway.app import create_app

    settings = Settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    return 0


def _redacted(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.split("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}" if ":" in creds else url
    return url
