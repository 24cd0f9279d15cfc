"""The `gateway` command (also `python -m gateway`).

Each module of this package that defines `register(subparsers)` adds its own subcommands, so every area
(admin, x12, pipeline...) owns its commands without touching a shared list.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

import pydantic

from gateway import x12_maps
from gateway.errors import GatewayError
from mappers.errors import MapperError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="EDI gateway for vendor collaboration")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        x12_maps.install()  # the pyx12 map directories the X12 commands validate with (a no-op once built)
        code: int = args.handler(args)
        sys.stdout.flush()
    except (GatewayError, MapperError) as e:
        print(f"gateway: {e}", file=sys.stderr)
        return 1
    except pydantic.ValidationError as e:  # a GATEWAY_* setting out of its range or choices
        problems = "; ".join(f"GATEWAY_{'_'.join(map(str, err['loc'])).upper()}: {err['msg']}" for err in e.errors())
        print(f"gateway: bad setting: {problems}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `gateway ... | head`: the reader left; say nothing more
        # Python's recipe: point stdout at devnull so the flush at exit does not fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return code
