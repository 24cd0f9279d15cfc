"""Receipts (861) against confirmed POs, consignment ownership transfers, on-hand snapshots (846)."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, col, delete, func, select

from gateway.canonical import Dimensions, OnHandSnapshot, OrderKind, ProductId, Receipt, ReceiptLine
from gateway.errors import BusinessError, Refusal
from gateway.lifecycle.common import (
    DIMENSIONS,
    check_link,
    dump_all,
    find_po,
    lines_of,
    log,
    refuse_if_closed,
    require_parties,
    save_po,
    touch,
    version_row,
)
from gateway.lifecycle.confirmations import confirmed_lines, current_confirmation, refresh_received
from gateway.models import OnHandRow, PoState, PurchaseOrder, ReceiptLineRow, ReceiptRow


def record_receipt(session: Session, doc: Receipt, source: str) -> ReceiptRow:
    """Products received against the confirmed quantities; on a consignment PO, an ownership transfer.

    A receipt for a PO the gateway does not know raises UnknownPO, which can be replayed once the PO exists.
    """
    po = find_po(session, doc.po_number, doc.customer, doc.vendor)
    where = f"PO {po.po_number} receipt {doc.receipt_number}"
    refuse_if_closed(po, "a receipt")
    if po.state not in (PoState.CONFIRMED, PoState.RECEIVED):
        raise BusinessError(Refusal.NOT_CONFIRMED, f"{where}: the PO is not confirmed (it is {po.state}); receipts "
                                             f"count against confirmed quantities")
    assert po.id is not None
    if session.exec(select(ReceiptRow).where(ReceiptRow.po_id == po.id,
                                             ReceiptRow.receipt_number == doc.receipt_number)).first():
        raise BusinessError(Refusal.DUPLICATE_RECEIPT, f"{where}: already recorded")
    confirmation = current_confirmation(session, po)
    assert confirmation is not None
    lines = {cl.line_number: cl for cl in confirmed_lines(session, confirmation)}
    for rl in doc.lines:
        if rl.line_number not in lines:
            raise BusinessError(Refusal.UNKNOWN_LINE,
                f"{where} line {rl.line_number}: no such line on the confirmed PO")
        if rl.quantity <= 0:
            raise BusinessError(Refusal.INVALID_QUANTITY,
                f"{where} line {rl.line_number}: quantity {rl.quantity} must be "
                                                f"greater than zero")
    consignment = po.kind == OrderKind.CONSIGNMENT
    receipt = ReceiptRow(po_id=po.id, vendor_id=po.vendor_id, customer_id=po.customer_id,
                         receipt_number=doc.receipt_number, consignment=consignment, received_on=doc.received_on,
                         source=source)
    session.add(receipt)
    session.flush()
    assert receipt.id is not None
    confirmed = version_row(session, po, po.confirmed_version or po.latest_version)
    ordered = {row.line_number: row for row in lines_of(session, confirmed)}
    for rl in doc.lines:
        cl = lines[rl.line_number]
        cl.received_quantity = Decimal(cl.received_quantity) + rl.quantity
        line = ordered.get(rl.line_number)
        # The vendor gets the receipt in its own part numbers: what the customer left out comes from the PO
        # (the ids it ordered with, the vendor's item or the substitute it confirmed, the description).
        vendor_item = rl.vendor_item or (cl.item if cl.substituted else line.vendor_item if line else None)
        session.add(ReceiptLineRow(receipt_id=receipt.id, line_number=rl.line_number, quantity=rl.quantity,
                                   uom=rl.uom or cl.uom, item=rl.item or (line.buyer_item if line else None) or cl.item,
                                   vendor_item=vendor_item, description=rl.description or cl.description,
                                   product_ids=dump_all(rl.product_ids) or (line.product_ids if line else []),
                                   **{d: getattr(rl.dimensions, d) for d in DIMENSIONS}))
    refresh_received(po, ((cl.quantity, cl.received_quantity) for cl in lines.values()))
    touch(po)
    save_po(session, po)
    total = sum((rl.quantity for rl in doc.lines), Decimal(0))
    kind = "ownership transfer" if consignment else "receipt"
    log(session, po, "receipt", f"{kind} {doc.receipt_number}: {total} received on {len(doc.lines)} line(s)",
        source, po.confirmed_version)
    return receipt


def receipt_for_vendor(session: Session, row: ReceiptRow) -> Receipt:
    """A recorded receipt as the vendor is sent it (861 advice): every line in the vendor's own part number
    and description (filled from the confirmed PO when recorded) beside every id the customer sent."""
    po = session.get(PurchaseOrder, row.po_id)
    assert po is not None
    lines = session.exec(select(ReceiptLineRow).where(ReceiptLineRow.receipt_id == row.id)
                         .order_by(col(ReceiptLineRow.id))).all()
    return Receipt(
        receipt_number=row.receipt_number, po_number=po.po_number, customer=row.customer_id, vendor=row.vendor_id,
        received_on=row.received_on, lines=tuple(ReceiptLine(
            line_number=ln.line_number, quantity=Decimal(ln.quantity), uom=ln.uom, item=ln.item,
            vendor_item=ln.vendor_item, description=ln.description,
            product_ids=tuple(ProductId.model_validate(p) for p in ln.product_ids),
            dimensions=Dimensions(**{d: getattr(ln, d) for d in DIMENSIONS})) for ln in lines))


def replace_onhand(session: Session, doc: OnHandSnapshot, source: str) -> int:
    """A full snapshot of one warehouse replaces the previous one; an older snapshot is refused."""
    customer, vendor = require_parties(doc.customer, doc.vendor, f"on-hand of warehouse {doc.warehouse}")
    check_link(session, customer, vendor)
    scope = (col(OnHandRow.customer_id) == customer, col(OnHandRow.vendor_id) == vendor,
             col(OnHandRow.warehouse) == doc.warehouse)
    latest = session.exec(select(func.max(OnHandRow.as_of)).where(*scope)).one()
    if latest is not None and doc.as_of is not None and doc.as_of < latest:
        raise BusinessError(Refusal.OUT_OF_ORDER,
            f"on-hand of warehouse {doc.warehouse} as of {doc.as_of} is older than "
                                            f"the snapshot already held ({latest})")
    session.exec(delete(OnHandRow).where(*scope))
    session.add_all(OnHandRow(customer_id=customer, vendor_id=vendor, warehouse=doc.warehouse, item=i.item,
                              vendor_item=i.vendor_item, product_ids=dump_all(i.product_ids),
                              description=i.description, quantity=i.quantity, uom=i.uom, as_of=doc.as_of,
                              **{d: getattr(i.dimensions, d) for d in DIMENSIONS if d != "warehouse"})
                    for i in doc.items)
    session.flush()
    return len(doc.items)


