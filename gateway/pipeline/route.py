"""Routing: what an applied document becomes for the partner it was addressed to (DESIGN sections 2 and 4).

Customer 850/860/861/846 go to the vendor, vendor 855/865 to the customer, each rendered in the receiver's
version, delimiters and `changes_as`, with the original sender's identity. Rendering, numbering (in the
caller's transaction) and queueing happen in the unit of work that applied the document: each set is written
under the savepoint that applies it (so one that cannot be written is refused alone), and at the end of the
batch the sets for the receiver become one interchange per functional group, not one interchange per set.
"""

from __future__ import annotations

from dataclasses import dataclass
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
from gateway.control_numbers import ReservedNumbers
from gateway.messages.blobs import BlobStore
from gateway.messages.store import Outbound, queue_outbound, read_envelope
from gateway.partners import Partner
from gateway.pipeline.documents import notice_set, received_quantities, version_document
from gateway.x12_profiles import profile_for
from mappers.x12.translate import Document, RenderRequest, envelope, set_for_version, write_set
from mappers.x12.writer import FUNCTIONAL_IDS, OutboundSet, Profile


@dataclass(frozen=True)
class Routed:
    """One outbound set written for the receiver, waiting for the end of its batch to be enveloped with the
    batch's other sets of the same functional group."""

    written: OutboundSet
    po: tuple[str, int | None] | None
    set_index: int  # the inbound set that caused it


def route(session: Session, doc: Document, result: Any, *, inbound_set: str, sender: Partner, receiver: Partner,
          set_index: int, now: datetime) -> list[Routed]:
    """What `doc` (applied, with the lifecycle's `result`) becomes for `receiver`, written (MappingError when it
    cannot be) but not yet numbered nor queued: `queue_routed` does that for the whole batch."""
    profile = profile_for(receiver, sender)
    return [Routed(write_set(set_id, request, profile, now), po, set_index)
            for set_id, request, po in _outbound_sets(session, doc, result, inbound_set, profile)]


def queue_routed(session: Session, blobs: BlobStore, routed: list[Routed], *, sender: Partner, receiver: Partner,
                 message_id: int, now: datetime) -> list[int]:
    """One interchange per functional group of a batch's `routed` sets, numbered (one ISA13 and GS06, an ST02 per
    set), archived and queued in the caller's transaction; the new message ids. Its outbox key names the message,
    the group's first inbound set and the group: applying a batch again (a replay, a second worker) conflicts
    on it and writes nothing."""
    profile = profile_for(receiver, sender)
    groups: dict[str, list[Routed]] = {}
    for item in routed:
        groups.setdefault(FUNCTIONAL_IDS.get(item.written.set_id, item.written.set_id), []).append(item)
    queued = []
    for fid, members in groups.items():
        numbers = ReservedNumbers(session.connection(), receiver.id, {"isa": 1, "gs": 1, "st": len(members)})
        data = envelope([m.written for m in members], profile, numbers, now)
        found = read_envelope(data)
        assert found is not None  # we wrote it
        message = queue_outbound(session, Outbound(
            receiver_id=receiver.id, blob=blobs.put(data), envelope=found, gs06=group_number(data, profile),
            set_types=list(dict.fromkeys(m.written.set_id for m in members)),
            outbox_key=f"{message_id}/{members[0].set_index}/{fid}", caused_by_id=message_id,
            po_numbers=tuple(m.po for m in members if m.po)))
        if message is not None:
            queued.append(message)
    return queued


def _outbound_sets(session: Session, doc: Document, result: Any, inbound_set: str, profile: Profile
                   ) -> list[tuple[str, RenderRequest, tuple[str, int | None] | None]]:
    if isinstance(doc, PurchaseOrderVersion | PurchaseOrderChange):
        return [_version(session, doc, int(result.version), profile)]
    if isinstance(doc, Cancellation | Confirmation):
        return [notice_set(session, doc, result, profile)]
    if isinstance(doc, VendorResponse):
        assert doc.customer and doc.vendor
        answered, _ = version_document(session, doc.po_number, doc.customer, doc.vendor, doc.version)
        received = received_quantities(session, doc.po_number, doc.customer, doc.vendor) \
            if inbound_set == "865" else {}
        return [(inbound_set, RenderRequest(doc, answers=answered, received=received),
                 (doc.po_number, doc.version))]
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
    received = received_quantities(session, doc.po_number, doc.customer, doc.vendor)
    return set_id, RenderRequest(current, version=number, previous=previous, received=received), \
        (doc.po_number, number)


def group_number(data: bytes, profile: Profile) -> str:
    """GS06 of the first group of an interchange we wrote (a partner's 997 names it in AK102)."""
    d = profile.delimiters
    text = data.decode(profile.encoding, errors="replace")
    for segment in text.split(d.segment)[1:3]:
        fields = segment.strip().split(d.element)
        if fields[0] == "GS" and len(fields) > 6:
            return fields[6]
    return ""
