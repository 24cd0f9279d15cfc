"""Dispatch between X12 transaction sets and canonical documents.

`READERS` maps ST01 to a pure reader (Transaction and the sender's Profile, if known → canonical document);
`WRITERS` maps the set to write to a pure writer (RenderRequest → the segments between ST and SE). Each
mapper module adds its own entries the same way, so this module never grows a chain of ifs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, BinaryIO, TypeAlias

from pydantic import BaseModel

from gateway.canonical import (
    Cancellation,
    Confirmation,
    FunctionalAck,
    InterchangeAck,
    OnHandSnapshot,
    PurchaseOrderChange,
    PurchaseOrderVersion,
    Receipt,
    VendorResponse,
    VersionPurpose,
    carried_by,
)
from mappers.x12 import ack855, ack865, acks, onhand846, po850, po860, receipt861
from mappers.x12.ackrules import PoAckOptions
from mappers.x12.envelope import Limits
from mappers.x12.reader import Located, iter_transactions
from mappers.x12.segments import ControlNumbers, MappingError, Segment, Transaction
from mappers.x12.writable import check_document, check_rendered
from mappers.x12.writer import OutboundSet, Profile, check_set, render_interchange

if TYPE_CHECKING:  # the validator (and pyx12) load only when something is translated
    from mappers.x12.validate_interchange import PrivateCodes
    from mappers.x12.validate_report import GroupReport, InterchangeReport, SetReport

Document: TypeAlias = BaseModel  # one of the canonical documents of gateway.canonical


@dataclass(frozen=True)
class RenderRequest:
    """What to write: a canonical document, and for PO versions their number and the previous version."""

    document: Document
    version: int | None = None  # the gateway's version number of a PurchaseOrderVersion
    previous: PurchaseOrderVersion | None = None  # for an 860 of deltas
    today: date | None = None  # BEG05/BCH06 when the document has no date; defaults to the envelope's
    answers: PurchaseOrderVersion | None = None  # the version an 855/865 answers: PO1/POC echo it
    # The PO an 850 confirmation or cancellation restates (its PO1 loop is mandatory): the confirmed version
    # as it will be delivered, or the latest version; `version` is then that version's number.
    restated: PurchaseOrderVersion | None = None
    # Quantity received to date per line number, as the gateway knows it from 861s (the PO's confirmed lines):
    # an 860/865 POC sends the quantity left to receive (POC04) as the line's quantity less this; 0 when absent.
    received: Mapping[str, Decimal] = field(default_factory=dict)


# A reader returns one document, or a list when one set holds several (an 861 for two POs, an 846 for two
# warehouses). Its second argument is the sending partner's Profile when the caller knows it (None when not):
# a partner's conventions, e.g. which of BAK04/BAK09 is the acknowledgment date, can only be honoured with it.
Reader = Callable[[Transaction, Profile | None], Document | Sequence[Document]]
Writer = Callable[[RenderRequest, Profile, date], list[Segment]]
# Which Profile applies to a set: one for everything, or chosen per set (e.g. by the ISA sender).
ProfileChoice: TypeAlias = Profile | Callable[[Located], Profile | None] | None


def _ack_options(profile: Profile | None) -> PoAckOptions | None:
    return PoAckOptions.of(profile) if profile is not None else None


READERS: dict[str, Reader] = {
    "850": lambda tx, _profile: po850.read_850(tx),
    "860": lambda tx, _profile: po860.read_860(tx),
    "855": lambda tx, profile: ack855.response_from_855(tx, _ack_options(profile)),
    "865": lambda tx, profile: ack865.response_from_865(tx, _ack_options(profile)),
    "861": lambda tx, _profile: receipt861.receipts_from_861(tx),
    "846": lambda tx, _profile: onhand846.snapshots_from_846(tx),
    # Inbound functional acks: translate() adds the identity of the interchange that carried them.
    "997": lambda tx, _profile: acks.functional_ack_from(tx),
    "999": lambda tx, _profile: acks.functional_ack_from(tx),
}


def _carried(req: RenderRequest, set_id: str) -> BaseModel:
    """The request's document, refused with the types the set carries (gateway.canonical's table) when
    it is none of them."""
    carried = carried_by(set_id)
    if not isinstance(req.document, tuple(t.cls for t in carried)):
        names = " or ".join(t.name for t in carried)
        raise MappingError(f"an {set_id} carries a {names}, not a {type(req.document).__name__}")
    return req.document


def _write_850(req: RenderRequest, profile: Profile, today: date) -> list[Segment]:
    doc = _carried(req, "850")
    if isinstance(doc, PurchaseOrderVersion):
        return po850.write_850(doc, today=today, version=req.version or 1, release=profile.version)
    if req.restated is None:
        raise MappingError(f"an 850 {type(doc).__name__} restates the PO: give it (\"restated\": {{...}})")
    if isinstance(doc, Confirmation):
        return po850.write_confirmation(doc, req.restated, today=today, release=profile.version)
    assert isinstance(doc, Cancellation)
    return po850.write_cancellation(doc, req.restated, version=req.version or 1, today=today,
                                    release=profile.version)


def _write_860(req: RenderRequest, profile: Profile, today: date) -> list[Segment]:
    doc = _carried(req, "860")
    if isinstance(doc, PurchaseOrderChange):
        return po860.write_change(doc, today=today, sequence=str(req.version) if req.version else None,
                                  release=profile.version, received=req.received)
    if isinstance(doc, Cancellation):
        return po860.write_cancellation(doc, today=today, release=profile.version)
    if isinstance(doc, Confirmation):
        return po860.write_confirmation(doc, today=today)
    if isinstance(doc, PurchaseOrderVersion):
        if req.version is None and doc.purpose is VersionPurpose.REPLACE:
            # a replace as `translate` printed it: BCH05 is its own change sequence, no deltas to compute
            return po860.write_replace(doc, today=today, sequence=None, release=profile.version,
                                       received=req.received)
        if req.version is None or req.version < 2:
            raise MappingError("an 860 carries a later version: give its version number (2 or more), or "
                               "make it a replace (purpose \"replace\")")
        return po860.write_version(req.previous, doc, version=req.version, today=today,
                                   release=profile.version, received=req.received)
    raise MappingError(f"an 860 cannot carry a {type(doc).__name__}")


def _write_855(req: RenderRequest, profile: Profile, today: date) -> list[Segment]:
    doc = _carried(req, "855")
    assert isinstance(doc, VendorResponse)
    return ack855.response_to_855(doc, req.answers, PoAckOptions.of(profile), today=today)


def _write_865(req: RenderRequest, profile: Profile, today: date) -> list[Segment]:
    doc = _carried(req, "865")
    assert isinstance(doc, VendorResponse)
    return ack865.response_to_865(doc, req.answers, PoAckOptions.of(profile), today=today,
                                  received=req.received)


def _write_861(req: RenderRequest, profile: Profile, today: date) -> list[Segment]:
    doc = _carried(req, "861")
    assert isinstance(doc, Receipt)
    return receipt861.receipt_to_861(doc, issued=today)


def _write_846(req: RenderRequest, profile: Profile, today: date) -> list[Segment]:
    doc = _carried(req, "846")
    assert isinstance(doc, OnHandSnapshot)
    return onhand846.snapshot_to_846(doc, issued=today)


WRITERS: dict[str, Writer] = {
    "850": _write_850,
    "860": _write_860,
    "855": _write_855,
    "865": _write_865,
    "861": _write_861,
    "846": _write_846,
}


def set_for_version(version: int, profile: Profile) -> str:
    """Which set carries PO version `version` to this receiver: 850 for version 1, then per `changes_as`."""
    if version <= 1 or profile.changes_as == "850-replace":
        return "850"
    return "860"


def set_for_notice(profile: Profile) -> str:
    """Which set carries a confirmation or a cancellation to this receiver: an 850 (BEG01 06 / 01) for an
    850-replace partner, which knows each version by its own PO number, else an 860 (BCH01 06 / 01)."""
    return "850" if profile.changes_as == "850-replace" else "860"


# ---------------------------------------------------------------- both directions

@dataclass(frozen=True)
class Translated:
    """One transaction set read from an interchange: its document, or why it could not be mapped."""

    located: Located
    document: Document | None
    error: MappingError | None


def translate(source: bytes | BinaryIO, encoding: str = "utf-8", profile: ProfileChoice = None,
              limits: Limits | None = None, private_codes: PrivateCodes | None = None,
              verdicts: Iterable[Verdict] | None = None) -> Iterator[Translated]:
    """Every transaction set of `source` mapped by its ST01; a set that cannot be mapped carries its error
    and does not stop the others. Broken envelope structure raises (nothing after it can be trusted).
    `profile` is the sender's (or a function choosing it per set): its conventions decide how sets are read.

    Only what validation accepts is mapped: the validator's verdict on every set (its own errors, and those
    of its group and interchange: an alphabetic ISA13, an unsupported GS08) is taken first, in one bounded
    pass, and a set it refused carries that reason instead of a document. A file object must be seekable:
    it is read twice. `private_codes` names, per sender, the elements where its codes outside the X12 lists are
    warnings (`mappers.x12.validate`), so such a set is mapped as the validator accepted it.
    `verdicts`: the validator's verdicts on these very bytes, when the caller has them already (the pipeline
    validated the message in an earlier step and kept them): validation is then not run a second time. They are
    taken one by one as the sets are read, so a generator over the validation's reports will do."""
    if verdicts is None:
        verdicts = list(_verdicts(source, encoding, limits, private_codes))  # whole before the source is read again
        if not isinstance(source, bytes | bytearray):
            source.seek(0)
    taken = iter(verdicts)
    for found in iter_transactions(source, encoding, limits):
        yield from map_set(found, _refusal(found, next(taken, None)), profile)


def map_set(found: Located, refusal: MappingError | None, profile: ProfileChoice = None) -> Iterator[Translated]:
    """One set read into its document(s) by its ST01, or the reason it is not: `refusal` (validation's), no reader
    for it, or the reader's own MappingError."""
    if refusal is not None:
        yield Translated(found, None, refusal)
        return
    reader = READERS.get(found.transaction.set_id)
    if reader is None:
        err = MappingError(f"transaction set {found.transaction.set_id} is not mapped; "
                           f"mapped sets: {', '.join(sorted(READERS))}", "ST", 1, 1)
        yield Translated(found, None, err)
        return
    try:
        result = reader(found.transaction, profile(found) if callable(profile) else profile)
    except MappingError as e:
        yield Translated(found, None, e)
        return
    except ValueError as e:  # a canonical model refused a value: name the set, keep going
        yield Translated(found, None, MappingError(f"not a valid canonical document: {e}"))
        return
    for document in [result] if isinstance(result, BaseModel) else result:
        if isinstance(document, FunctionalAck):
            ic = found.interchange
            document = document.model_copy(update={"sender_qualifier": ic.sender_qualifier,
                                                   "sender_id": ic.sender_id,
                                                   "interchange_control_number": ic.control_number})
        yield Translated(found, document, None)


# One per set, in file order: (ISA13, GS06, ST02) and why validation refused it (None when accepted).
Verdict: TypeAlias = tuple[tuple[str, str, str], MappingError | None]


def _verdicts(source: bytes | BinaryIO, encoding: str, limits: Limits | None,
              private_codes: PrivateCodes | None) -> Iterator[Verdict]:
    from mappers.x12.validate import iter_validate  # the validator loads only when something is translated

    for ic in iter_validate(source, encoding=encoding, limits=limits, private_codes=private_codes):
        yield from verdicts_of(ic)


def verdicts_of(ic: InterchangeReport) -> Iterator[Verdict]:
    """The verdict on every set of a validated interchange, for `translate(verdicts=...)`."""
    for group in ic.groups:
        for tx in group.sets:
            yield (ic.control_number or "", group.control_number, tx.control_number), refusal_of(ic, group, tx)


def refusal_of(ic: InterchangeReport, group: GroupReport, tx: SetReport) -> MappingError | None:
    """Why validation refused the set `tx` (its own errors, and those of its group and interchange), as a
    MappingError; None when it accepted it."""
    errors = [*ic.errors, *group.errors, *tx.errors]
    if not errors:
        return None
    first = errors[0]
    more = f" (and {len(errors) - 1:,} more)" if len(errors) > 1 else ""
    # Segment, position and element of the first error, as a mapper's own refusal names them.
    return MappingError(f"refused by validation: {first.level} error {first.code}: {first.message}{more}",
                        first.segment, first.position, first.element)


def _refusal(found: Located, verdict: Verdict | None) -> MappingError | None:
    key = (found.interchange.control_number, found.group.control_number, found.transaction.control_number)
    if verdict is None or verdict[0] != key:  # cannot happen while both read the same segments; never guess
        return MappingError("validation did not reach this set: it is not mapped")
    return verdict[1]


def interchange_acks(source: bytes | BinaryIO, encoding: str = "ascii",
                     limits: Limits | None = None) -> list[InterchangeAck]:
    """The TA1s in `source` (they stand outside any transaction set, so `translate` does not see them).
    A file object is read from its start and left there."""
    if isinstance(source, bytes | bytearray):
        return acks.interchange_acks_in(source, encoding, limits)
    source.seek(0)
    try:
        return acks.interchange_acks_in(source, encoding, limits)
    finally:
        source.seek(0)


def render(set_id: str, requests: list[RenderRequest], profile: Profile, numbers: ControlNumbers,
           now: datetime) -> bytes:
    """One interchange for `profile`'s receiver holding one `set_id` set per request.

    Held to the rules we read by (`mappers.x12.writable`): a document no X12 element can carry is refused
    naming its field, and the interchange is validated before it is returned; MappingError says why."""
    return envelope([write_set(set_id, r, profile, now) for r in requests], profile, numbers, now)


def write_set(set_id: str, request: RenderRequest, profile: Profile, now: datetime) -> OutboundSet:
    """One `set_id` set for `profile`'s receiver, not yet enveloped nor numbered, its segments checked for what
    the receiver's delimiters and encoding can carry (so a set that cannot be written is known on its own,
    before it joins others in an interchange); MappingError says why."""
    writer = WRITERS.get(set_id)
    if writer is None:
        raise MappingError(f"transaction set {set_id} cannot be written; known: {', '.join(sorted(WRITERS))}")
    for name, document in (("", request.document), ("previous", request.previous), ("answers", request.answers),
                           ("restated", request.restated)):
        if document is not None:
            check_document(document, name)
    try:
        written = OutboundSet(set_id, writer(request, profile, request.today or now.date()))
    except (ValueError, ArithmeticError) as e:  # a canonical model or a number refused while writing
        if isinstance(e, MappingError):
            raise
        raise MappingError(f"the {set_id} cannot be written: {e}") from None
    check_set(written, profile)
    return written


def envelope(sets: list[OutboundSet], profile: Profile, numbers: ControlNumbers, now: datetime) -> bytes:
    """`sets` (from `write_set`) in one numbered interchange, validated before it is returned."""
    data = render_interchange(profile, numbers, sets, now)
    check_rendered(data, profile.encoding)
    return data
