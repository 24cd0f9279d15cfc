"""`gateway validate FILE...`: every X12 error with its position and code, or the acks we would send.

Text output, one line per error:

    FILE: ISA13/GS06/ST02: SEG@position ELEMENT code: message

`-` stands for a control number that does not apply; envelope errors have no `SEG@position` part and carry
their TA1 code (I18), group errors their AK905 code (716), set errors their AK502 code (718), segment errors
their AK304 code (720) and element errors their AK403 code (723), e.g.

    po.edi: 000000101/17/0001: BEG@2 BEG05 8: Data element "Purchase Order Date" (BEG05) contains an invalid date

`--json` prints one JSON document for all files:

    {"files": [{"file": "po.edi", "ok": false, "errors": [
        {"level": "element", "code": "8", "message": "...", "interchange": "000000101", "group": "17",
         "transaction": "0001", "segment": "BEG", "position": 2, "element": 5, "component": null,
         "value": "20261301"}]}]}

`level` is interchange | group | set | segment | element; the keys are always all present (null when they do
not apply). A file that cannot be read has `"error": "<reason>"` instead of `errors`. With `--ack` too, each
file also has `"acks": ["<interchange text>", ...]`.

`--ack` prints the TA1/997/999 exactly as the gateway would send them, numbered by a throwaway allocator that
consumes no control numbers. `--partners FILE` picks the ack type, `ta1` option, delimiters and encoding of
the partner whose ISA qualifier and id sent each interchange (the first interchange's sender decides the
file's encoding) (default: 997 for 4010 groups, 999 from 5010 on).

`--validator pyx12|compiled` picks the set validator (default: GATEWAY_X12_VALIDATOR, else compiled, the maps
compiled into tables; pyx12 is the older path, kept as the oracle, see docs/x12-validator.md).

Exit status: 0 when every file is clean, 1 when any has an error, 2 when a file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.errors import ConfigError
from mappers.errors import shorten

if TYPE_CHECKING:
    from gateway.partners import PartnersFile
    from mappers.x12.acks import AckOptions
    from mappers.x12.validate import ValidationError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("validate", help="validate X12 files: one line per error, exit 1 on any")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--json", action="store_true", help="print the errors as JSON")
    p.add_argument("--ack", action="store_true", help="print the TA1/997/999 the gateway would send")
    p.add_argument("--partners", type=Path, help="partners file: ack type, ta1 option and encoding per sender")
    p.add_argument("--validator", choices=("compiled", "pyx12"),
                   help="set validator (default: GATEWAY_X12_VALIDATOR, else compiled)")
    p.set_defaults(handler=cmd_validate)


SHOWN_PER_KIND = 10  # errors of one kind (level, code, segment, element) printed per file; the rest counted


def cmd_validate(args: argparse.Namespace) -> int:
    from gateway.settings import Settings
    from gateway.x12_profiles import ack_options, by_isa, private_codes
    from mappers.x12.acks import AckOptions, answer
    from mappers.x12.validate import validate_file
    from mappers.x12.writer import ThrowawayNumbers

    partners = _load_partners(args.partners) if args.partners else None
    settings = Settings()
    limits = settings.x12_limits
    validator = args.validator or settings.x12_validator
    numbers = ThrowawayNumbers()
    now = datetime.now()
    status = 0
    results: list[dict[str, Any]] = []
    for path in args.files:
        try:
            with path.open("rb") as f:
                head = f.read(109).removeprefix(b"\xef\xbb\xbf")  # a BOM before the ISA is tolerated
            options = _options_for(head, partners) or AckOptions()
            report = validate_file(path, encoding=options.encoding, limits=limits,
                                   private_codes=private_codes(partners) if partners else None,
                                   validator=validator)
        except OSError as e:
            print(f"{path}: cannot be read: {e.strerror}", file=sys.stderr)
            results.append({"file": str(path), "error": e.strerror or str(e)})
            status = 2
            continue
        except LookupError:
            raise ConfigError([f"--partners: encoding {options.encoding!r} is not known to Python"]) from None
        errors = report.errors
        if errors and status == 0:
            status = 1
        acks: list[str] = []
        if args.ack:
            for ic in report.interchanges:
                # Each interchange answered with its own sender's options (a file may hold several senders).
                sender = by_isa(partners, ic.sender_qualifier, ic.sender_id) if partners else None
                reply = answer(ic, ack_options(sender) if sender else options, numbers, now)
                if reply.fallback:
                    print(f"{path}: {ic.control_number}: {reply.fallback}", file=sys.stderr)
                if reply.data is not None:
                    acks.append(reply.data.decode(options.encoding, errors="replace"))
        shown, hidden = summarised(errors)
        if args.json:
            result: dict[str, Any] = {"file": str(path), "ok": not errors,
                                      "errors": [_cut(e.as_dict()) for e in shown]}
            if hidden:
                result["not_shown"] = [{"count": n, "like": _cut(e.as_dict())} for e, n in hidden]
            result["warnings"] = [w.as_dict() for w in report.warnings]
            if args.ack:
                result["acks"] = acks
            results.append(result)
        elif args.ack:
            sys.stdout.write("".join(acks))
        else:
            for err in shown:
                pointer = f"{err.pointer} " if err.pointer else ""
                print(f"{path}: {err.where}: {pointer}{err.code}: {shorten(err.message, 500)}")
            for err, count in hidden:
                print(f"{path}: {count:,} more errors like {err.level} error {err.code}"
                      f"{' at ' + err.pointer if err.pointer else ''} not shown")
            for w in report.warnings:
                print(f"{path}: {w.where}: {w.pointer} warning: {w.message} (a private code of the sender)")
    if args.json:
        print(json.dumps({"files": results}, indent=2))
    return status


def summarised(errors: list[ValidationError]) -> tuple[list[ValidationError], list[tuple[ValidationError, int]]]:
    """The errors to print (the first few of each kind, in order), and per kind beyond that the first one
    left out and how many were: a million empty segments print ten lines and a count, not a million."""
    seen: dict[tuple[object, ...], int] = {}
    shown: list[ValidationError] = []
    hidden: dict[tuple[object, ...], tuple[ValidationError, int]] = {}
    for e in errors:
        kind = (e.level, e.code, e.segment, e.element)
        seen[kind] = seen.get(kind, 0) + 1
        if seen[kind] <= SHOWN_PER_KIND:
            shown.append(e)
        else:
            first, count = hidden.get(kind, (e, 0))
            hidden[kind] = (first, count + 1)
    return shown, list(hidden.values())


def _cut(error: dict[str, Any]) -> dict[str, Any]:
    """An error for JSON output with its message and value cut (a 10 MB element is not echoed whole)."""
    for key in ("message", "value"):
        if isinstance(error.get(key), str):
            error[key] = shorten(error[key], 500)
    return error


def _load_partners(path: Path) -> PartnersFile:
    from gateway.partners import load_partners

    try:
        return load_partners(path)
    except ConfigError as e:
        raise ConfigError([f"--partners: {line}" for line in e.problems]) from None


def _options_for(data: bytes, partners: PartnersFile | None) -> AckOptions | None:
    """The ack options of the partner that sent `data` (ISA05/ISA06 of the first interchange, `data` its
    first 106 bytes), if known."""
    from gateway.x12_profiles import ack_options, by_isa
    from mappers.x12.envelope import isa_header

    isa = isa_header(data[:106].decode("latin-1")) if partners is not None and len(data) >= 106 else None
    if partners is None or isa is None:
        return None
    partner = by_isa(partners, isa.sender_qualifier, isa.get(6))
    return None if partner is None else ack_options(partner)
