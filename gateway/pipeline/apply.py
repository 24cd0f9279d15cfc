"""Step two of `process`: map each accepted set, apply it, route what it causes, in batches.

Sets are applied `Settings.apply_batch` to a transaction, each as if under its own savepoint (one savepoint for
the batch, one per set only once a set is refused: `gateway.lifecycle.batch`), so one refused set never undoes
its neighbours and a large interchange streams (translate reads one set at a time). The batch's
outcome rows (`applied_set`, unique on message and position) are inserted first, in one statement: a set
applied before conflicts and is skipped, which is what makes `process` safe to run twice, or twice at once (a
second worker's insert waits for the first's transaction, then finds the rows taken). What the
batch's sets become for the receiver is enveloped at its end, one interchange per functional group. PO rows of
a batch are locked in one statement in the order of their keys before anything is applied (and held: the
services read them no more), so two interchanges touching the same POs never wait on each other in a circle.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from gateway import lifecycle
from gateway.canonical import FunctionalAck, VendorResponse
from gateway.errors import BusinessError, Refusal
from gateway.lifecycle.batch import apply_sets, held
from gateway.lifecycle.tables import PO_T
from gateway.messages.blobs import BlobStore
from gateway.messages.store import add_event, record_pos
from gateway.partners import Partner
from gateway.pipeline.acknowledge import reconcile
from gateway.pipeline.directory import parties
from gateway.pipeline.outcomes import claim, outcome_row, settle
from gateway.pipeline.route import Routed, queue_routed, route
from mappers.x12.segments import MappingError
from mappers.x12.translate import Document, Translated

CUSTOMER_SENDS = frozenset({"PurchaseOrderVersion", "PurchaseOrderChange", "Cancellation", "Confirmation",
                            "Receipt", "OnHandSnapshot", "FunctionalAck"})
VENDOR_SENDS = frozenset({"VendorResponse", "FunctionalAck"})
_SUFFIXED = re.compile(r"(.+)-([0-9]{1,4})")


@dataclass
class SetItem:
    """One transaction set of the message: its position, control numbers, and documents (or why none)."""

    index: int
    set_id: str
    control: str
    documents: list[Document] = field(default_factory=list)
    error: str | None = None
    # ISA05/06 and ISA07/08 of its interchange: a file may hold interchanges of several senders
    parties: tuple[str, str, str, str] = ("", "", "", "")

    @property
    def po_key(self) -> str:
        return min((str(getattr(d, "po_number", "")) for d in self.documents), default="")


@dataclass(frozen=True)
class Parties:
    sender: Partner
    receiver: Partner
    message_id: int
    now: datetime


def sets_of(translated: Iterable[Translated]) -> Iterator[SetItem]:
    """Translated documents grouped back into their sets (an 861 may hold several POs), numbered from 0."""
    current: SetItem | None = None
    last = None
    index = -1
    for t in translated:
        if t.located is not last:
            if current is not None:
                yield current
            last, tx = t.located, t.located.transaction
            ic, group = t.located.interchange, t.located.group
            index += 1
            current = SetItem(index, tx.set_id, f"{ic.control_number}/{group.control_number}/{tx.control_number}",
                              parties=(ic.sender_qualifier, ic.sender_id, ic.receiver_qualifier, ic.receiver_id))
        assert current is not None
        if t.error is not None:
            current.error = str(t.error)
        elif t.document is not None:
            current.documents.append(t.document)
    if current is not None:
        yield current


def batches(items: Iterator[SetItem], size: int) -> Iterator[list[SetItem]]:
    while batch := list(islice(items, size)):
        yield batch


def apply_batch(session: Session, blobs: BlobStore, batch: list[SetItem], parties_: Parties) -> None:
    """Every set of `batch`: their outcome rows claimed in one statement, PO rows locked in key order, then
    the claimed sets applied as if each had its own savepoint (lifecycle.batch: one savepoint for all, one per
    set only once a set is refused)."""
    prepared = [(item, [_addressed(session, doc, parties_) for doc in item.documents]) for item in batch]
    claimed = claim(session, [_claim_row(item, docs, parties_.message_id) for item, docs in prepared])
    if len(claimed) < len(batch):  # a replay, or a second worker: the message's timeline says what it skipped
        before = [item.control for item in batch if item.index not in claimed]
        add_event(session, parties_.message_id, f"{len(before)} set(s) had their outcome already, not applied again: "
                                                f"{', '.join(before[:10])}{' ...' if len(before) > 10 else ''}")
    # else: applied before, or not mappable (its outcome says so). Sorted, stable: one PO's sets keep their order,
    # and new POs are inserted in key order too (two interchanges creating the same POs never wait in a circle).
    todo = sorted(((item, docs) for item, docs in prepared if item.index in claimed and item.error is None),
                  key=lambda pair: pair[0].po_key)
    keys = {(str(getattr(d, "customer", "")), str(getattr(d, "po_number", ""))) for _, docs in todo for d in docs}
    with held(session, keys):
        per_set = apply_sets(session, todo, lambda pair: _apply_set(session, *pair, parties_),
                             lambda pair, error: _refused(session, pair[0], error, parties_), refusals=(_Refused,))
        queue_routed(session, blobs, [r for routed in per_set for r in routed], sender=parties_.sender,
                     receiver=parties_.receiver, message_id=parties_.message_id, now=parties_.now)


class _Refused(Exception):
    """A set that did not apply: the error, and the document it refused (the set's first, at worst)."""

    def __init__(self, error: BusinessError | MappingError, doc: Document | None) -> None:
        super().__init__(str(error))
        self.error, self.doc = error, doc


def _claim_row(item: SetItem, docs: list[Document], message_id: int) -> dict[str, Any]:
    if item.error is not None:
        return outcome_row(message_id, item.index, item.set_id, item.control, "invalid", code="mapping",
                           reason=item.error)
    po = next((str(d.po_number) for d in docs if hasattr(d, "po_number")), None)
    return outcome_row(message_id, item.index, item.set_id, item.control, "applied", po_number=po)


def _apply_set(session: Session, item: SetItem, docs: list[Document], p: Parties) -> list[Routed]:
    """The set's documents applied; what they become for the receiver. _Refused when one is refused or cannot
    be written for the receiver (lifecycle.batch then undoes the set alone)."""
    source = f"message {p.message_id} set {item.index}"
    routed: list[Routed] = []
    for doc in docs:
        try:
            routed += _apply_document(session, doc, item, p, source)
        except (BusinessError, MappingError) as error:
            raise _Refused(error, doc) from error
    return routed


def _refused(session: Session, item: SetItem, refused: Exception, p: Parties) -> list[Routed]:
    """The set's outcome says why it did not apply (the claim survives the set's savepoint); a refusal is also
    written on the PO's history. It becomes nothing for the receiver."""
    assert isinstance(refused, _Refused)
    error, doc = refused.error, refused.doc
    if isinstance(error, MappingError):  # the applied document could not be written for its receiver
        settle(session, p.message_id, item.index, "failed", "render", f"cannot be written for {p.receiver.id}: "
                                                                      f"{error}")
        return []
    settle(session, p.message_id, item.index, "refused", str(error.code), error.reason,
           getattr(doc, "po_number", None))
    if doc is not None and not isinstance(doc, FunctionalAck):
        lifecycle.record_refusal(session, doc, error, f"message {p.message_id} set {item.index}")  # type: ignore[arg-type]
    return []


def _apply_document(session: Session, doc: Document, item: SetItem, p: Parties, source: str) -> list[Routed]:
    if isinstance(doc, FunctionalAck):
        add_event(session, p.message_id, f"set {item.control}: " + reconcile(session, doc, p.sender, p.message_id))
        return []
    allowed = CUSTOMER_SENDS if p.sender.role == "customer" else VENDOR_SENDS
    if type(doc).__name__ not in allowed:
        raise BusinessError(Refusal.WRONG_SENDER, f"a {item.set_id} from {p.sender.id} (a {p.sender.role}) is not "
                                                  f"accepted: {p.sender.role}s do not send it")
    if parties(p.sender, p.receiver) is None:
        raise BusinessError(Refusal.NOT_LINKED, f"{p.sender.id} ({p.sender.role}) sent it to {p.receiver.id} "
                                                f"({p.receiver.role}): documents go between a customer and a vendor")
    result = lifecycle.handle(session, doc, source)  # type: ignore[arg-type]
    routed = route(session, doc, result, inbound_set=item.set_id, sender=p.sender, receiver=p.receiver,
                   set_index=item.index, now=p.now)
    po = getattr(doc, "po_number", None)
    if po:
        version = getattr(result, "version", None) if not isinstance(doc, VendorResponse) else doc.version
        record_pos(session, p.message_id, [(po, version if isinstance(version, int) else None)])
    return routed


def _addressed(session: Session, doc: Document, p: Parties) -> Document:
    """The document with its customer and vendor from the envelope; a vendor's answer naming `PO123-2` (an
    850-replace vendor's echo of version 2) matched to PO123 version 2."""
    found = parties(p.sender, p.receiver)
    if found is None or isinstance(doc, FunctionalAck):
        return doc
    customer, vendor = found
    update: dict[str, Any] = {"customer": customer, "vendor": vendor}
    if isinstance(doc, VendorResponse) and p.sender.changes_as == "850-replace":
        match = _SUFFIXED.fullmatch(doc.po_number)
        if match and not _po_exists(session, customer, doc.po_number) and _po_exists(session, customer,
                                                                                     match.group(1)):
            update.update(po_number=match.group(1), version=int(match.group(2)))
    return doc.model_copy(update=update)


def _po_exists(session: Session, customer: str, po_number: str) -> bool:
    return session.connection().execute(select(PO_T.c.id).where(
        PO_T.c.customer_id == customer, PO_T.c.po_number == po_number)).first() is not None
