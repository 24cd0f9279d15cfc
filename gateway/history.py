"""One PO's confirmation history: every version and response in order, with line-by-line differences."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel
from sqlmodel import Session, col, select

from gateway.lifecycle.common import LineRow, find_po, lines_of
from gateway.models import ConfirmationRow, PoVersion, Response, ResponseLineRow

COMPARED = ("quantity", "unit_price", "requested_delivery_date", "uom", "buyer_item", "vendor_item", "product_ids",
            "description")


class FieldChange(BaseModel):
    field: str
    before: str | None
    after: str | None


class LineDiff(BaseModel):
    line_number: str
    change: str  # added | removed | changed | accepted | rejected | scheduled | substituted
    fields: list[FieldChange] = []


class HistoryStep(BaseModel):
    version: int
    kind: str  # version | response | confirmation
    at: datetime
    summary: str
    lines: list[LineDiff]


def po_history(session: Session, po_number: str, customer: str | None = None,
               vendor: str | None = None) -> list[HistoryStep]:
    po = find_po(session, po_number, customer, vendor, lock=False)
    versions = list(session.exec(select(PoVersion).where(PoVersion.po_id == po.id).order_by(col(PoVersion.version))))
    steps: list[HistoryStep] = []
    previous: dict[str, LineRow] = {}
    for v in versions:
        lines = {line.line_number: line for line in lines_of(session, v)}
        steps.append(HistoryStep(version=v.version, kind="version", at=v.received_at,
                                 summary=f"version {v.version} ({v.arrived_as}, {len(lines)} lines)",
                                 lines=version_diff(previous, lines)))
        response = session.exec(select(Response).where(Response.version_id == v.id)).first()
        if response is not None:
            answers = list(session.exec(select(ResponseLineRow).where(ResponseLineRow.response_id == response.id)
                                        .order_by(col(ResponseLineRow.id))))
            steps.append(HistoryStep(version=v.version, kind="response", at=response.received_at,
                                     summary=f"vendor: {response.status}",
                                     lines=[response_diff(lines[a.line_number], a) for a in answers]))
        confirmation = session.exec(select(ConfirmationRow).where(ConfirmationRow.version_id == v.id)).first()
        if confirmation is not None:
            how = "with the vendor's changes" if confirmation.with_changes else "as ordered"
            steps.append(HistoryStep(version=v.version, kind="confirmation", at=confirmation.confirmed_at,
                                     summary=f"confirmed {how}", lines=[]))
        previous = lines
    return steps


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list):  # product ids as stored: [{"qualifier": "BP", "id": "..."}, ...]
        return ", ".join(f"{p['qualifier']} {p['id']}" for p in value) or None
    return str(value)


def version_diff(before: dict[str, LineRow], after: dict[str, LineRow]) -> list[LineDiff]:
    """What changed from one version to the next: added and removed lines, changed quantity, date, price..."""
    diffs = [LineDiff(line_number=n, change="added") for n in after if n not in before and before]
    diffs += [LineDiff(line_number=n, change="removed") for n in before if n not in after]
    for number, line in after.items():
        old = before.get(number)
        if old is None:
            continue
        fields = [FieldChange(field=f, before=_text(getattr(old, f)), after=_text(getattr(line, f)))
                  for f in COMPARED if _text(getattr(old, f)) != _text(getattr(line, f))]
        if fields:
            diffs.append(LineDiff(line_number=number, change="changed", fields=fields))
    return diffs


def response_diff(line: LineRow, answer: ResponseLineRow) -> LineDiff:
    """How the vendor's answer for a line differs from the line it answers."""
    if answer.status == "reject":
        return LineDiff(line_number=line.line_number, change="rejected")
    fields: list[FieldChange] = []
    total = sum((Decimal(s["quantity"]) for s in answer.schedule), Decimal(0))
    if answer.schedule and total != Decimal(line.quantity):
        fields.append(FieldChange(field="quantity", before=_text(Decimal(line.quantity)), after=_text(total)))
    dates = [s.get("delivery_date") for s in answer.schedule]
    ordered = _text(line.requested_delivery_date)
    if any(d != ordered for d in dates):
        fields.append(FieldChange(field="delivery_date", before=ordered, after=", ".join(d or "-" for d in dates)))
    if len(answer.schedule) > 1:
        fields.append(FieldChange(field="schedule", before="1 delivery", after=f"{len(answer.schedule)} deliveries"))
    if answer.substitute_item:
        fields.append(FieldChange(field="item", before=line.vendor_item or line.buyer_item,
                                  after=answer.substitute_item))
    change = "substituted" if answer.substitute_item else "scheduled" if fields else "accepted"
    return LineDiff(line_number=line.line_number, change=change, fields=fields)
