"""`gateway demo`: show a running gateway at work (start it first with `make run` or `gateway run`).

It drops a sample 850 from the demo customer into the customer's inbound folder, waits for the workers to take
it (printing where it stands), then shows the vendor's 850, the customer's 997 and the PO in the vendor's
"for review" list. Every run sends a new PO, numbered from the clock, so it can be run again and again.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from gateway.errors import ConfigError
from gateway.settings import Settings


def register(subparsers: Any) -> None:
    demo = subparsers.add_parser("demo", help="drop a sample 850 into the demo customer's folder and show what "
                                              "the running gateway makes of it")
    demo.add_argument("--customer", default="contoso", help="the customer that sends it (default contoso)")
    demo.add_argument("--vendor", default="fabrikam", help="the vendor it goes to (default fabrikam)")
    demo.add_argument("--timeout", type=float, default=60, help="seconds to wait for the gateway (default 60)")
    demo.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from gateway.bootstrap import engine_for
    from gateway.partners import load_partners
    from gateway.x12_profiles import get_partner

    settings = Settings()
    partners = load_partners(settings.partners, key_dir=settings.key_dir)
    customer, vendor = get_partner(partners, args.customer), get_partner(partners, args.vendor)
    inbound = getattr(customer.transport, "inbound_dir", None)
    if customer.transport.kind != "folder" or inbound is None:
        raise ConfigError([f"partner {customer.id}: the demo drops a file into a folder partner's inbound_dir; "
                           f"this one uses {customer.transport.kind}"])
    stamp = datetime.now(UTC)
    po_number = f"DEMO-{stamp:%H%M%S}"
    name = f"demo-850-{stamp:%Y%m%d%H%M%S}.edi"
    _drop(Path(inbound), name, _sample_850(customer, vendor, po_number, stamp))
    print(f"dropped {name} (PO {po_number}) into {inbound}, {customer.id}'s inbound folder")
    engine = engine_for(settings)
    delivered = _wait(engine, name, vendor.id, customer.id, args.timeout)
    if delivered is None:
        return 1
    for (label, file_name), partner in zip(delivered, (vendor, customer), strict=True):
        path = Path(partner.transport.outbound_dir) / file_name  # type: ignore[union-attr]
        print(f"\n{label}: {path}\n{path.read_text(errors='replace')}")
    _show_for_review(engine, vendor.id, po_number)
    return 0


def _sample_850(customer: Any, vendor: Any, po_number: str, stamp: datetime) -> bytes:
    """A two-line 850 as the customer's ERP would send it, ISA13 from the clock (never a duplicate)."""
    from gateway.canonical import OrderLine, PurchaseOrderVersion
    from gateway.x12_profiles import profile_for
    from mappers.x12.translate import RenderRequest, render
    from mappers.x12.writer import ThrowawayNumbers

    order = PurchaseOrderVersion(po_number=po_number, order_date=stamp.date(), lines=(
        OrderLine(line_number="1", buyer_item="WIDGET-100", quantity=Decimal(100), uom="EA", unit_price=Decimal("2.50"),
                  requested_delivery_date=date.today() + timedelta(days=14)),
        OrderLine(line_number="2", buyer_item="GADGET-7", quantity=Decimal(12), uom="EA", unit_price=Decimal("19.90"),
                  requested_delivery_date=date.today() + timedelta(days=21))))
    numbers = ThrowawayNumbers(int(stamp.timestamp()) % 10**9)
    return render("850", [RenderRequest(order)], profile_for(vendor, customer), numbers, stamp)


def _drop(folder: Path, name: str, data: bytes) -> None:
    """Written under a name polls skip, then renamed into place: the gateway never reads half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{name}.part"
    temporary.write_bytes(data)
    temporary.rename(folder / name)


def _wait(engine: Any, name: str, vendor_id: str, customer_id: str, timeout: float) -> list[tuple[str, str]] | None:
    """Print where the dropped file stands until its 850 and 997 are delivered (their file names); None when it
    failed or after the timeout."""
    from sqlalchemy.exc import OperationalError
    from sqlmodel import col, select

    from gateway.db import read_session
    from gateway.messages.tables import Message

    started = time.monotonic()
    status = "not picked up yet"
    while (waited := time.monotonic() - started) < timeout:
        try:
            with read_session(engine) as session:
                inbound = session.exec(select(Message).where(Message.channel_id == name)).first()
                caused = [] if inbound is None else list(session.exec(
                    select(Message).where(Message.caused_by_id == inbound.id).order_by(col(Message.id))))
        except OperationalError as e:  # not migrated yet (the gateway is starting), or the database is away
            inbound, caused, status = None, [], f"the database is not ready ({str(e.orig).splitlines()[0]})"
        if inbound is not None:
            status = f"message {inbound.id} {inbound.state}" + "".join(
                f", {','.join(m.set_types)} to {m.partner_id} {m.state}" for m in caused)
            if inbound.state in ("failed", "dead", "quarantined", "duplicate"):
                print(f"\n{status}: {inbound.error or ''}\nsee `gateway message {inbound.id}`", file=sys.stderr)
                return None
        print(f"\rwaiting {waited:4.0f}s: {status}".ljust(100), end="", flush=True)
        sent = {m.partner_id: m for m in caused if m.state in ("sent", "acknowledged")}
        if vendor_id in sent and customer_id in sent:
            print()
            return [(f"the vendor's 850 ({vendor_id})", sent[vendor_id].file_name or ""),
                    (f"the customer's acknowledgment ({customer_id})", sent[customer_id].file_name or "")]
        time.sleep(0.5)
    print(f"\nnothing after {timeout:g} s ({status}). Is the gateway running? Start it with `make run` (or "
          "`gateway run`, or `gateway worker` and `gateway scheduler`) with the same GATEWAY_* settings.",
          file=sys.stderr)
    return None


def _show_for_review(engine: Any, vendor_id: str, po_number: str) -> None:
    from gateway import workspace
    from gateway.db import read_session

    with read_session(engine) as session:
        page = workspace.po_list(session, workspace.PoList.FOR_REVIEW, workspace.Filters(vendor=vendor_id, size=10))
    print(f"{vendor_id}'s POs for review (newest first):")
    for po in page.items:
        mark = "  <- the demo's" if po.po_number == po_number else ""
        print(f"  {po.po_number:<16} {po.customer:<10} version {po.version}  {po.updated_at:%Y-%m-%d %H:%M:%S}{mark}")
