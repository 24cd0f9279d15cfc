"""`gateway translate FILE` (X12 → canonical JSON) and `gateway render --type T --partner ID FILE|-` (back).

translate prints a JSON array with one entry per transaction set, in the order of the file:

    [{"interchange": "000000101", "group": "101", "transaction": "0001",
      "set": "850", "type": "PurchaseOrderVersion", "document": {...}}, ...]

With `--partners FILE`, each interchange is read with the conventions of its sender (ISA05/06) in that
file, e.g. `bak_dates`. Inbound 997/999 print as `FunctionalAck` entries, and TA1s (which stand outside any
set) first, as `{"set": "TA1", "type": "InterchangeAck", "group": null, "transaction": null, ...}`. Only
sets that validation accepts are mapped (`mappers.x12.translate`). A set that cannot be mapped prints one line
on stderr, `FILE: ISA13/GS06/ST02: <reason>`, and the others are still printed; the exit status is then 1 (2
when the file cannot be read, or is a pipe: it is read twice). Input limits come from the settings
(GATEWAY_X12_MAX_*).

render reads one canonical document as JSON, or an entry / a list of entries in the shape translate prints
(`set` and envelope keys are ignored), each entry optionally with `"version": n` (the PO version number: an
860 names it in BCH05, an 850 for a `changes_as = "850-replace"` partner suffixes it), `"previous": {...}`
(the previous version, for an 860 of deltas), `"answers": {...}` (the version an 855/865 answers) and
`"restated": {...}` (the PO an 850 Confirmation or Cancellation restates: an 850 needs its lines). A bare
document is read as the one class `--type` implies (850 PurchaseOrderVersion, 855/865 VendorResponse, 861
Receipt, 846 OnHandSnapshot); an 860 carries several classes, so it needs an entry with `type`. The X12 is
written for the partner `--partner` (its delimiters, version, ids) as the party it trades with: for a vendor
its first customer, for a customer the first vendor that lists it, or `--from ID`. Without `--from`, a set
addressed to a role that never receives it (an 855 for a vendor) is refused with the command probably
meant. Control numbers come from a throwaway allocator: a dry run consumes nothing. The JSON is read by
`gateway.cli.render_input` (clear refusals), and what is written is checked by `mappers.x12.writable`.
"""

from __future__ import annotations

import argparse
import codecs
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.cli.json_out import JsonArray
from gateway.x12_profiles import check_direction, get_partner, profile_for, trading_counterpart
from mappers.errors import MapperError
from mappers.x12.segments import MappingError

SETS = ("850", "860", "855", "865", "861", "846")  # the sets render writes, in the order of the help


def register(subparsers: Any) -> None:
    t = subparsers.add_parser("translate", help="print the canonical JSON of every transaction set of an X12 file")
    t.add_argument("file", type=Path, metavar="FILE")
    t.add_argument("--encoding", default="utf-8", type=_encoding,
                   help="character encoding of the file (default utf-8)")
    t.add_argument("--partners", type=Path,
                   help="partners file: read each interchange with its sender's conventions (e.g. bak_dates)")
    t.set_defaults(handler=cmd_translate)

    r = subparsers.add_parser("render", help="print canonical JSON as X12 for a partner (a dry run)")
    r.add_argument("--type", required=True, choices=SETS, dest="set_id")
    r.add_argument("--partner", required=True, help="id of the receiving partner")
    r.add_argument("--partners", type=Path, help="partners file (default: GATEWAY_PARTNERS)")
    r.add_argument("--from", dest="sender", help="id of the sending partner (default: the one it trades with)")
    r.add_argument("file", metavar="FILE|-", help="canonical JSON, or - for standard input")
    r.set_defaults(handler=cmd_render)


def cmd_translate(args: argparse.Namespace) -> int:
    from gateway.partners import load_partners
    from gateway.settings import Settings
    from gateway.x12_profiles import envelope_parties, private_codes, sender_profiles, with_parties
    from mappers.x12.translate import interchange_acks, translate

    partners = load_partners(args.partners) if args.partners else None
    choose = sender_profiles(partners) if partners else None
    limits = Settings().x12_limits
    try:
        source = args.file.open("rb")
    except OSError as e:
        print(f"{args.file}: cannot be read: {e.strerror}", file=sys.stderr)
        return 2
    with source:
        if not source.seekable():
            print(f"{args.file}: cannot be read twice (a pipe or a device): give a file", file=sys.stderr)
            return 2
        if not source.read(4096).strip():
            print(f"{args.file}: the file is empty: no interchange (ISA) in it", file=sys.stderr)
            return 1
        source.seek(0)
        out = JsonArray(sys.stdout)
        status = 0
        try:
            for ta1 in interchange_acks(source, args.encoding, limits):
                out.entry({"interchange": ta1.interchange_control_number, "group": None, "transaction": None,
                           "set": "TA1", "type": "InterchangeAck"}, ta1)
            for t in translate(source, args.encoding, choose, limits,
                                   private_codes(partners) if partners else None):
                where = "/".join((t.located.interchange.control_number, t.located.group.control_number,
                                  t.located.transaction.control_number))
                if t.document is None:
                    print(f"{args.file}: {where}: {t.located.transaction.set_id}: {t.error}", file=sys.stderr)
                    status = 1
                    continue
                document = with_parties(t.document, envelope_parties(partners, t.located)) if partners else t.document
                out.entry({"interchange": t.located.interchange.control_number,
                           "group": t.located.group.control_number,
                           "transaction": t.located.transaction.control_number,
                           "set": t.located.transaction.set_id, "type": type(document).__name__}, document)
        except MappingError as e:  # broken envelope: nothing after it can be trusted
            print(f"{args.file}: {e}", file=sys.stderr)
            status = 1
        out.close()
    return status


def cmd_render(args: argparse.Namespace) -> int:
    from gateway.cli.render_input import render_requests
    from gateway.partners import load_partners
    from gateway.settings import Settings
    from mappers.x12.translate import render
    from mappers.x12.writer import ThrowawayNumbers

    partners = load_partners(args.partners or Settings().partners)
    try:
        raw = _stdin_bytes() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as e:
        print(f"{args.file}: cannot be read: {e.strerror}", file=sys.stderr)
        return 2
    try:
        receiver = get_partner(partners, args.partner)
        if not args.sender:
            check_direction(args.set_id, receiver, partners)
        sender = get_partner(partners, args.sender) if args.sender else trading_counterpart(partners, receiver)
        profile = profile_for(receiver, sender)
        requests = render_requests(raw, args.set_id)
        data = render(args.set_id, requests, profile, ThrowawayNumbers(), datetime.now())
    except MapperError as e:
        print(f"{args.file}: cannot render an {args.set_id}: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(data.decode(profile.encoding))
    return 0


def _stdin_bytes() -> bytes:
    """Standard input as bytes (a text stream without a buffer, as tests give, is encoded back)."""
    buffer = getattr(sys.stdin, "buffer", None)
    return buffer.read() if buffer is not None else sys.stdin.read().encode("utf-8")


def _encoding(name: str) -> str:
    """An encoding Python knows, or a usage error naming it (argparse prints it, exit status 2)."""
    try:
        codecs.lookup(name)
    except LookupError:
        raise argparse.ArgumentTypeError(f"{name!r} is not a known character encoding "
                                         "(e.g. utf-8, ascii, latin-1, cp1252)") from None
    return name
