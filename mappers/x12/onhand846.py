"""846 Inventory Inquiry/Advice <-> OnHandSnapshot: vendor-owned stock per customer warehouse.

Structure from Bots' 846004010 grammar (X12.md section 7): BIA, DTM, N1 loop (at most 5), then one LIN loop
per item (LIN, PID, REF, SDQ, QTY loop, N1 loop). A snapshot is a full statement of one warehouse, so an
846 read gives one `OnHandSnapshot` per warehouse it names, and one snapshot is written as one 846.

Where the warehouse is, in order: the LIN's own SDQ (location/quantity pairs: one item in several
warehouses), the LIN's own N1*WH loop, the header N1*WH (or N1*ST with N103 92). Quantity: QTY*17 (Quantity
on Hand), else QTY*33 (Quantity Available for Sale): no "vendor-owned" qualifier exists, ownership is implied
by the consignment relation, and BIA02 (755) is written from the partner's convention, not interpreted.
`as_of` is DTM*184 (Inventory) when given, else BIA04.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from gateway.canonical.documents import OnHandItem, OnHandSnapshot
from gateway.canonical.products import ANY_ITEM_FIELDS
from mappers.x12 import common as c
from mappers.x12.receipt861 import n104
from mappers.x12.segments import MappingError, Segment, Transaction

ON_HAND = ("17", "33")  # 673, in order of preference
INVENTORY_DATE = "184"
LIN_LOOPS = frozenset({"SLN", "QTY", "N1", "LM"})


@dataclass(frozen=True)
class OnHandOptions:
    report_type: str = "LC"  # BIA02 (755): LC Location Inventory Report; partners may want DD, SI, CS...
    quantity_qualifier: Literal["17", "33"] = "17"


def snapshots_from_846(tx: Transaction) -> list[OnHandSnapshot]:
    bia = tx.one("BIA")
    header: list[Segment] = []
    for s in tx.segments[2:]:
        if s.tag in ("LIN", "CTT", "SE"):
            break
        header.append(s)
    plain, loops = c.split_loops(header, frozenset({"N1", "LM"}))
    as_of = c.read_dtm(plain, INVENTORY_DATE) or c.read_date(bia, 4)
    _, default_wh = c.read_site_warehouse([], loops)
    stock: dict[str, list[OnHandItem]] = {}
    for loop in tx.loops("LIN"):
        for warehouse, item in _items(loop, default_wh, tx.delimiters.component):
            stock.setdefault(warehouse, []).append(item)
    if not stock:
        # LIN is mandatory (1..10000): an 846 without lines is no statement that a warehouse is empty.
        raise MappingError("the 846 has no inventory line (LIN)", "LIN")
    return [OnHandSnapshot(warehouse=wh, as_of=as_of, items=tuple(items)) for wh, items in stock.items()]


def _items(loop: Sequence[Segment], default_wh: str | None, component: str) -> list[tuple[str, OnHandItem]]:
    lin = loop[0]
    plain, loops = c.split_loops(loop[1:], LIN_LOOPS)
    product_ids = c.read_product_ids(lin, 2)
    pairs = c.by_qualifier(product_ids)
    item = c.pick(pairs, ANY_ITEM_FIELDS[0].read)
    if item is None:
        raise MappingError("the inventory line names no item (a buyer, vendor or UPC id pair)", "LIN",
                           lin.position, 2)
    pids = [s for s in plain if s.tag == "PID"]
    dims = c.read_dimensions(pairs, pids, [s for s in plain if s.tag == "REF"], [])
    dims = dims.model_copy(update={"warehouse": None})  # the snapshot carries the warehouse
    description = c.read_description(pids)

    def make(quantity: Decimal, uom: str | None, where: Segment, index: int) -> OnHandItem:
        if quantity < 0:
            raise MappingError(f"on-hand quantity of {item} is negative ({quantity})", where.tag, where.position,
                               index)
        return OnHandItem(item=item, quantity=quantity, uom=uom or "EA", description=description, dimensions=dims,
                          product_ids=product_ids)

    sdqs = [s for s in plain if s.tag == "SDQ"]
    if sdqs:
        return [(wh, make(qty, sdq.get(1), sdq, i)) for sdq in sdqs for wh, qty, i in _sdq_pairs(sdq)]
    qtys = {s.get(1): s for s in (lp[0] for lp in loops if lp[0].tag == "QTY")}
    qty_seg = next((qtys[q] for q in ON_HAND if q in qtys), None)
    if qty_seg is None:
        raise MappingError("the inventory line has no on-hand quantity (QTY*17 or QTY*33, or SDQ)", "LIN",
                           lin.position)
    quantity = c.read_decimal(qty_seg, 2)
    if quantity is None:
        raise MappingError("QTY02 (the quantity) is missing", "QTY", qty_seg.position, 2)
    own = next((lp[0].get(4) for lp in loops if lp[0].tag == "N1" and lp[0].get(1) in ("WH", "ST")
                and lp[0].get(4)), None)
    warehouse = own or default_wh
    if warehouse is None:
        raise MappingError(f"no warehouse is named for item {item} (N1*WH in the header or the line, or SDQ)",
                           "LIN", lin.position)
    return [(warehouse, make(quantity, c.first_component(qty_seg.get(3), component), qty_seg, 2))]


def _sdq_pairs(sdq: Segment) -> list[tuple[str, Decimal, int]]:
    """SDQ01 UOM, SDQ02 66 qualifier, then up to ten location (67) / quantity (380) pairs from SDQ03."""
    out = []
    for i in range(3, len(sdq.elements), 2):
        location, quantity = sdq.get(i), c.read_decimal(sdq, i + 1)
        if location is None and quantity is None:
            continue
        if location is None or quantity is None:
            raise MappingError("SDQ location and quantity go in pairs", "SDQ", sdq.position, i)
        out.append((location, quantity, i + 1))
    return out


def snapshot_to_846(snapshot: OnHandSnapshot, issued: date, options: OnHandOptions | None = None) -> list[Segment]:
    """The body of an 846 for one warehouse's full snapshot (ST and SE excluded); BIA04 = as_of or `issued`."""
    options = options or OnHandOptions()
    if not snapshot.items:
        raise MappingError(f"the snapshot of warehouse {snapshot.warehouse} has no item and an 846 needs at least "
                           "one LIN: state the items that ran out with quantity 0")
    when = snapshot.as_of or issued
    reference = f"{snapshot.warehouse}-{c.fmt_date(when)}"
    if len(reference) > 30 or not reference.replace("-", "").isalnum() or not reference.isascii():
        reference = f"OH{c.fmt_date(when)}"  # BIA03 is 1/30 in 4010; the N1 names the warehouse anyway
    body = [c.seg("BIA", "00", options.report_type, reference, c.fmt_date(when))]
    body += c.warehouse_segments(n104(snapshot.warehouse))
    for item in snapshot.items:
        dims = item.dimensions
        body.append(c.seg("LIN", None, *c.item_ids(item)))
        body += c.description_segments(item.description)
        body += c.site_segments(dims.site)
        body.append(c.seg("QTY", options.quantity_qualifier, c.fmt_decimal(item.quantity), item.uom))
    body.append(c.seg("CTT", str(len(snapshot.items))))
    return body
