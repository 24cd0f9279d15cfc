"""Message store commands: ingest, messages, message, replay.

    gateway ingest FILE --partner ID          receive and process inline; prints the message id and outcome
    gateway messages [--state S] [--partner P] [--po N] [--limit N]
    gateway message ID                        timeline, raw bytes path, set outcomes, errors
    gateway replay ID | --state S [--partner P] [--since T]
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.errors import Rejected
from gateway.settings import Settings


def register(subparsers: Any) -> None:
    ingest = subparsers.add_parser("ingest", help="receive an X12 file from a partner and process it inline")
    ingest.add_argument("file", type=Path, metavar="FILE")
    ingest.add_argument("--partner", required=True, help="the partner whose channel it came from")
    ingest.set_defaults(handler=cmd_ingest)
    listing = subparsers.add_parser("messages", help="list messages, newest first")
    listing.add_argument("--state", help="received, validated, ..., failed, dead, quarantined, duplicate, queued...")
    listing.add_argument("--partner")
    listing.add_argument("--po", help="messages carrying this PO number")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(handler=cmd_messages)
    one = subparsers.add_parser("message", help="one message: timeline, raw bytes, set outcomes, errors")
    one.add_argument("id", type=int)
    one.set_defaults(handler=cmd_message)
    replay = subparsers.add_parser("replay", help="run a failed, dead or quarantined message again")
    replay.add_argument("id", type=int, nargs="?")
    replay.add_argument("--state", help="every message in this state (with --partner and --since)")
    replay.add_argument("--partner")
    replay.add_argument("--since", type=_when, help="ISO date or time: messages created since then")
    replay.set_defaults(handler=cmd_replay)


def _database_ready(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A database that is unreachable or not migrated is one clear line, never a traceback."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import OperationalError, ProgrammingError

        try:
            return handler(args)
        except (OperationalError, ProgrammingError) as e:
            reason = str(e.orig).splitlines()[0] if e.orig else str(e).splitlines()[0]
            raise Rejected(f"the database cannot be used ({reason}); run `gateway db upgrade` and "
                           f"`gateway partners sync` first, or check GATEWAY_DATABASE_URL") from None

    return run


def _when(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date or time (2026-12-01, 2026-12-01T08:00)"
                                         ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@_database_ready
def cmd_ingest(args: argparse.Namespace) -> int:
    from gateway.bootstrap import engine_for
    from gateway.db import read_session
    from gateway.pipeline import process, receive
    from gateway.pipeline.directory import Directory
    from transports.base import CHUNK_BYTES

    settings = Settings()
    engine = engine_for(settings)
    try:
        stream = args.file.open("rb")
    except OSError as e:
        print(f"{args.file}: cannot be read: {e.strerror}", file=sys.stderr)
        return 2
    with stream:
        with read_session(engine) as session:
            if Directory.load(session).get(args.partner) is None:
                raise Rejected(f"partner {args.partner!r} is not in the database; check the partners file and run "
                               f"`gateway partners sync`")
        pieces = iter(lambda: stream.read(CHUNK_BYTES), b"")  # archived piece by piece, never held whole
        received = receive(engine, settings, pieces, partner=args.partner, transport="cli",
                           channel_id=str(args.file))
    outcome = process(engine, settings, received.message_id)
    suffix = f" (duplicate of message {received.duplicate_of})" if received.duplicate_of else ""
    print(f"message {outcome.message_id}: {outcome.state}{suffix}")
    if outcome.error:
        print(outcome.error)
    return 1 if outcome.state in ("failed", "dead", "quarantined") else 0


@_database_ready
def cmd_messages(args: argparse.Namespace) -> int:
    from gateway.bootstrap import engine_for
    from gateway.db import read_session
    from gateway.messages.query import find_messages

    with read_session(engine_for(Settings())) as session:
        rows = find_messages(session, state=args.state, partner=args.partner, po=args.po, limit=args.limit)
    for m in rows:
        sets = ",".join(m.set_types) or "-"
        name = m.channel_id or m.file_name or "-"
        error = f"  {m.error.splitlines()[0]}" if m.error else ""
        error += f"  overdue: {m.overdue}" if m.overdue else ""
        print(f"{m.id:>6} {m.direction:<3} {m.state:<12} {m.partner_id or '?':<12} {sets:<10} "
              f"{m.created_at:%Y-%m-%d %H:%M:%S} {name}{error}")
    if not rows:
        print("no messages", file=sys.stderr)
    return 0


@_database_ready
def cmd_message(args: argparse.Namespace) -> int:
    from gateway.bootstrap import engine_for
    from gateway.db import read_session
    from gateway.messages.blobs import FileBlobStore
    from gateway.messages.query import describe

    settings = Settings()
    with read_session(engine_for(settings)) as session:
        lines = describe(session, args.id, FileBlobStore(settings.blob_dir))
    print("\n".join(lines))
    return 0


@_database_ready
def cmd_replay(args: argparse.Namespace) -> int:
    from gateway.bootstrap import engine_for
    from gateway.db import read_session
    from gateway.messages.query import find_messages
    from gateway.pipeline import replay

    settings = Settings()
    engine = engine_for(settings)
    if args.id is not None:
        ids = [args.id]
    elif args.state:
        with read_session(engine) as session:
            ids = [m.id for m in find_messages(session, state=args.state, partner=args.partner, since=args.since,
                                               limit=None) if m.id is not None]
    else:
        raise Rejected("replay: give a message id, or --state (with --partner and --since)")
    status = 0
    for message_id in sorted(ids):
        try:
            outcome = replay(engine, settings, message_id)
        except Rejected as e:
            print(f"message {message_id}: not replayed: {e.reason}")
            status = 1
            continue
        print(f"message {message_id}: {outcome.state}" + (f": {outcome.error}" if outcome.error else ""))
    return status
