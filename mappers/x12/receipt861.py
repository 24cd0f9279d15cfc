"""861 Receiving Advice <-> Receipt (DESIGN section 2, "Receipts and consignment").

Structure from Bots' 861004010 grammar (X12.md section 6): BRA, DTM (1..10), PRF, N1 loop, then one RCD loop
per received line (RCD, LIN, PID, REF, DTM, PRF, ..., N1 loop).

- One `Receipt` per PO: a line's own PRF01 names its PO, else the header PRF does; an 861 that covers two
  POs becomes two receipts with the same receipt number (BRA01).
- Consignment ownership transfers are 861s too and carry no marker of their own: no consignment code exists
  in 962 or 353, and the lifecycle knows whether the PO is a consignment PO (X12.md section 6). BRA04 is
  written from the partner's convention (`ReceiptOptions.advice_type`) and not interpreted when read.
- `received_on` is DTM*050 (Received). BRA02 is the date the advice was written, not the receipt date; when
  the receipt has no date, DTM*097 (Transaction Creation) fills the mandatory DTM instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from gateway.canonical.documents import Receipt, ReceiptLine
from mappers.x12 import common as c
from mappers.x12.segments import MappingError, Segment, Transaction

RECEIVED = "050"
CREATED = "097"
RCD_LOOPS = frozenset({"SLN", "N1", "LM"})


@dataclass(frozen=True)
class ReceiptOptions:
    advice_type: str = "1"  # BRA04 (962): partners differ; public samples use 1 (X12.md section 6)


def receipts_from_861(tx: Transaction) -> list[Receipt]:
    bra = tx.one("BRA")
    header = _header(tx)
    plain, loops = c.split_loops(header, frozenset({"N1", "LM"}))
    header_pos = [s.required(1) for s in plain if s.tag == "PRF"]
    received_on = c.read_dtm(plain, RECEIVED)
    _, default_wh = c.read_site_warehouse([], loops)
    by_po: dict[str, list[ReceiptLine]] = {}
    for loop in tx.loops("RCD"):
        po_number, line = _line(loop, header_pos, default_wh, tx.delimiters.component)
        by_po.setdefault(po_number, []).append(line)
    if not by_po:
        raise MappingError("the 861 has no RCD line: a receipt needs at least one received line", "RCD")
    return [Receipt(receipt_number=bra.required(1), po_number=po, received_on=received_on, lines=tuple(lines))
            for po, lines in by_po.items()]


def _header(tx: Transaction) -> list[Segment]:
    out: list[Segment] = []
    for s in tx.segments[2:]:
        if s.tag in ("RCD", "CTT", "SE"):
            break
        out.append(s)
    return out


def _line(loop: Sequence[Segment], header_pos: Sequence[str], default_wh: str | None,
          component: str) -> tuple[str, ReceiptLine]:
    rcd = loop[0]
    plain, loops = c.split_loops(loop[1:], RCD_LOOPS)
    line_pos = [s.required(1) for s in plain if s.tag == "PRF"]
    if line_pos:
        po_number = line_pos[0]
    elif len(header_pos) == 1:
        po_number = header_pos[0]
    else:
        problem = "names no PO (PRF)" if not header_pos else f"could belong to any of the POs {header_pos}"
        raise MappingError(f"received line {problem}; give the line its own PRF", "RCD", rcd.position)
    quantity = c.read_decimal(rcd, 2)
    if quantity is None:
        raise MappingError("RCD02 (quantity received) is required: returns and quantities in question alone "
                           "are not a receipt", "RCD", rcd.position, 2)
    product_ids = tuple(p for lin in plain if lin.tag == "LIN" for p in c.read_product_ids(lin, 2))
    pairs = c.by_qualifier(product_ids)
    pids = [s for s in plain if s.tag == "PID"]
    line_number = rcd.get(1) or next((s.get(1) for s in plain if s.tag == "LIN" and s.get(1)), None)
    if line_number is None:
        raise MappingError("the received line has no line number (RCD01 or LIN01)", "RCD", rcd.position, 1)
    dims = c.read_dimensions(pairs, pids, [s for s in plain if s.tag == "REF"], loops)
    if dims.warehouse is None and default_wh is not None:
        dims = dims.model_copy(update={"warehouse": default_wh})
    return po_number, ReceiptLine(line_number=line_number, quantity=quantity,
                                  uom=c.first_component(rcd.get(3), component),
                                  product_ids=product_ids, description=c.read_description(pids),
                                  dimensions=dims)


def receipt_to_861(receipt: Receipt, issued: date, options: ReceiptOptions | None = None) -> list[Segment]:
    """The body of an 861 (ST and SE excluded). `issued` is BRA02, the day the advice is written."""
    options = options or ReceiptOptions()
    body = [c.seg("BRA", receipt.receipt_number, c.fmt_date(issued), "00", options.advice_type)]
    if receipt.received_on is not None:
        body += c.dtm_segments(RECEIVED, receipt.received_on)
    else:
        body += c.dtm_segments(CREATED, issued)
    body.append(c.seg("PRF", receipt.po_number))
    for line in receipt.lines:
        body += _rcd(line)
    body.append(c.seg("CTT", str(len(receipt.lines))))
    return body


def _rcd(line: ReceiptLine) -> list[Segment]:
    out = [c.seg("RCD", line.line_number, c.fmt_decimal(line.quantity), line.uom or "EA")]  # RCD02/03 paired
    dims = line.dimensions
    pairs = c.item_ids(line)
    if pairs:
        out.append(c.seg("LIN", None, *pairs))
    out += c.description_segments(line.description)
    out += c.site_segments(dims.site)
    out += c.warehouse_segments(n104(dims.warehouse))
    return out


def n104(code: str | None) -> str | None:
    if code is not None and not 2 <= len(code) <= 80:
        raise MappingError(f"warehouse code {code!r} cannot be written: N104 holds 2 to 80 characters")
    return code
