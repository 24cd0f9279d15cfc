"""The lifecycle's tables as Core handles: the hot path reads and writes with Core statements (common, batch)."""

from __future__ import annotations

from gateway.models import ConfirmationRow, PoEvent, PoLine, PoVersion, PurchaseOrder, Response, ResponseLineRow

PO_T = PurchaseOrder.__table__  # type: ignore[attr-defined]
VERSION_T = PoVersion.__table__  # type: ignore[attr-defined]
RESPONSE_T = Response.__table__  # type: ignore[attr-defined]
CONFIRMATION_T = ConfirmationRow.__table__  # type: ignore[attr-defined]
LINE_T = PoLine.__table__  # type: ignore[attr-defined]
RESPONSE_LINE_T = ResponseLineRow.__table__  # type: ignore[attr-defined]
EVENT_T = PoEvent.__table__  # type: ignore[attr-defined]
