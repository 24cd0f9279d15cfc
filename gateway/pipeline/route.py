"""Routing: what an applied document becomes for the partner it was addressed to (DESIGN sections 2 and 4).

Customer 850/860/861/846 go to the vendor, vendor 855/865 to the customer, each rendered in the receiver's
version, delimiters and `changes_as`, with the original sender's identity. Rendering, numbering (in the
caller's transaction) and queueing happen in the unit of work that applied the document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from gateway.canonical import (
    Cancellation,
    Confirmation,
    OnHandSnapshot,
    PurchaseOrderChange,
    PurchaseOrderVersion,
    Receipt,
    VendorResponse,
)
from gateway.control_numbers import TransactionNumbers
from gateway.messages.blobs import BlobStore
from gateway.messages.store import Outbound, queue_outbound, read_envelope
from gateway.partners import Partner
from gateway.pipeline.documents import version_document
from gateway.x12_profiles import profile_for
from mappers.x12.translate import Document, RenderRequest, render, set_for_version
from mappers.x12.writer import Profile


def route(session: Session, blobs: BlobStore, doc: Document, result: Any, *, inbound_set: str, sender: Partner,
          receiver: Partner, message_id: int, set_index: int, now: datetime) -> list[int]:
    """Queue what `doc` (applied, with the lifecycle's `result`) becomes for `receiver`; the new message ids."""
    profile = profile_for(receiver, sender)
    queued = []
    for k, (set_id, request, po) in enumerate(_outbound_sets(session, doc, result, inbound_set, profile)):
        data = render(set_id, [request], profile, TransactionNumbers(session.connection(), receiver.id), now)
        envelope = read_envelope(data)
        assert envelope is not None  # we wrote it
        message = queue_outbound(session, Outbound(
            receiver_id=receiver.id, blob=blobs.put(data), envelope=envelope, gs06=group_number(data, profile),
            set_types=[set_id], outbox_key=f"{message_id}/{set_index}/{k}", caused_by_id=message_id,
            po_numbers=(po,) if po else ()))
        if message is not None:
            queued.append(message)
    return queued


def _outbound_sets(session: Session, doc: Document, result: Any, inbound_set: str, profile: Profile
                   ) -> list[tuple[str, RenderRequest, tuple[str, int | None] | None]]:
    if isinstance(doc, PurchaseOrderVersion | PurchaseOrderChange):
        return [_version(session, doc, int(result.version), profile)]
    if isinstance(doc, Cancellation):
        return [("860", RenderRequest(doc), (doc.po_number, None))]
    if isinstance(doc, Confirmation):
        # 850 BEG01 06 for an 850-replace vendor is not written by mappers.x12 yet: every vendor gets the 860.
        return [("860", RenderRequest(doc), (doc.po_number, doc.version))]
    if isinstance(doc, VendorResponse):
        assert doc.customer and doc.vendor
        answered, _ = version_document(session, doc.po_number, doc.customer, doc.vendor, doc.version)
        return [(inbound_set, RenderRequest(doc, answers=answered), (doc.po_number, doc.version))]
    if isinstance(doc, Receipt):
        return [("861", RenderRequest(doc), (doc.po_number, None))]
    if isinstance(doc, OnHandSnapshot):
        return [("846", RenderRequest(doc), None)]
    return []  # acknowledgments are reconciled, never forwarded


def _version(session: Session, doc: PurchaseOrderVersion | PurchaseOrderChange, number: int, profile: Profile
             ) -> tuple[str, RenderRequest, tuple[str, int | None]]:
    """Version `number`: an 850 original; later, an 860 (deltas when they say it) or, for an 850-replace
    vendor, an 850 BEG01 05 with the version suffixed to the PO number."""
    assert doc.customer and doc.vendor
    set_id = set_for_version(number, profile)
    if isinstance(doc, PurchaseOrderVersion) and set_id == "850":
        return set_id, RenderRequest(doc, version=number), (doc.po_number, number)
    current, _ = version_document(session, doc.po_number, doc.customer, doc.vendor, number)
    if set_id == "850":
        return set_id, RenderRequest(current, version=number), (doc.po_number, number)
    previous, _ = version_document(session, doc.po_number, doc.customer, doc.vendor, number - 1)
    return set_id, RenderRequest(current, version=number, previous=previous), (doc.po_number, number)


def group_number(data: bytes, profile: Profile) -> str:
    """GS06 of the first group of an interchange we wrote (a partner's 997 names it in AK102)."""
    d = profile.delimiters
    text = data.decode(profile.encoding, errors="replace")
    for segment in text.split(d.segment)[1:3]:
        fields = segment.strip().split(d.element)
        if fields[0] == "GS" and len(fields) > 6:
            return fields[6]
    return ""
