"""The `gateway` command (also `python -m gateway`). Each area registers its own subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gateway.cli import admin
from gateway.errors import GatewayError

AREAS = (admin,)  # each module has register(subparsers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="EDI gateway for vendor collaboration")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for area in AREAS:
        area.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except GatewayError as e:
        print(f"gateway: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code
