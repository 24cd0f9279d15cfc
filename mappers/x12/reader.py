"""Reading X12: bytes → Interchange / Group / Transaction / Segment, streaming.

`iter_transactions` holds one transaction set at a time: the source is read in chunks, each set is yielded
with its envelope as soon as its SE arrives, and the envelopes keep no list of what they contained, so a
100 MB interchange of many sets stays in bounded memory (a single set is held whole). `read_interchanges`
is the convenience form that keeps everything, for small inputs and tests.

Delimiters come from each ISA (`mappers.x12.envelope.detect_delimiters`, shared with the validator): any
separators, CR/LF or `\\n` after the terminator, `\\n` as the terminator, several interchanges per file, each
with its own delimiters. Broken structure (a set outside a group, a missing trailer, a count or control
number that does not match) raises `MappingError`: the validator reports such input with ack codes, the
reader refuses to guess.
"""

from __future__ import annotations

import codecs
import io
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from mappers.x12.envelope import IsaHeader, Limits, RawInterchange, RawSegment, split_interchanges
from mappers.x12.segments import Delimiters, Group, Interchange, MappingError, Segment, Segments, Transaction

CHUNK = 1 << 16
_TAG = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_INTERNED = 3  # elements this short are interned: segment IDs, qualifiers, units of measure, codes


@dataclass(frozen=True)
class Located:
    """A transaction set with the envelopes it arrived in (their `groups`/`transactions` lists stay empty)."""

    interchange: Interchange
    group: Group
    transaction: Transaction


def decoded_pieces(source: bytes | BinaryIO, encoding: str) -> Iterator[str]:
    """`source` decoded CHUNK bytes at a time; a byte the encoding does not allow is an error naming it."""
    stream: BinaryIO = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    while True:
        raw = stream.read(CHUNK)
        try:
            text = decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as e:
            raise MappingError(f"byte {raw[e.start]:#04x} near offset {offset + e.start} is not valid {encoding}: "
                               "an invalid character for this partner") from None
        offset += len(raw)
        if text:
            yield text
        if not raw:
            return


@dataclass
class _Envelope:
    interchange: Interchange
    group: Group | None = None
    group_sets: int = 0
    groups: int = 0
    tx: Transaction | None = None
    rows: Segments = field(default_factory=Segments)  # the open set's segments (tx.segments)
    seen_st: set[str] = field(default_factory=set)


def iter_transactions(source: bytes | BinaryIO, encoding: str = "utf-8",
                      limits: Limits | None = None) -> Iterator[Located]:
    """Every transaction set of every interchange in `source`, in order, one at a time. The input is cut
    into segments by `mappers.x12.envelope`, as for validation: the same tolerance (a BOM, blanks between
    segments) and the same `limits`."""
    codecs.lookup(encoding)  # an unknown encoding is a LookupError before anything is read
    for raw in split_interchanges(decoded_pieces(source, encoding), limits):
        d = raw.delimiters
        if d is None or raw.header is None:
            error = raw.errors[0] if raw.errors else None
            code, message = (error.code, error.message) if error else ("022", "no interchange")
            raise MappingError(f"broken ISA (TA1 {code}): {message}")
        env = _Envelope(_interchange(raw.header, d))
        yield from _read_interchange(raw, env, d)


def _read_interchange(raw: RawInterchange, env: _Envelope, d: Delimiters) -> Iterator[Located]:
    isa13 = env.interchange.control_number
    for found in raw.segments():
        if found is None:
            where = f" in set {env.tx.control_number} after segment {len(env.tx.segments)}" if env.tx else ""
            raise MappingError(f"interchange {isa13}: empty segment (two terminators in a row){where}")
        elements = _elements(found)
        tag = elements[0]
        if not _TAG.fullmatch(tag):
            raise MappingError(f"interchange {isa13}: {tag[:10]!r} is not a segment identifier")
        if env.tx is not None:
            done = _in_transaction(env, env.tx, Segment(elements, len(env.tx.segments) + 1))
            if done:
                assert env.group is not None
                yield Located(env.interchange, env.group, env.tx)
                env.tx = None
            continue
        if tag == "IEA":
            _close_interchange(env, Segment(elements))
            return
        _envelope_segment(env, Segment(elements), d)
    if raw.errors:  # the input ended inside a segment, or a limit stopped the reading
        raise MappingError(f"interchange {isa13}: {raw.errors[0].message}")
    raise MappingError(f"interchange {isa13} has no IEA trailer: the input ends before it")


def _elements(raw: RawSegment) -> tuple[str, ...]:
    # Tags, qualifiers, units and codes recur on every line: held once (a set of 200,000 lines would hold a
    # million copies of "PO1", "EA", "VN"...).
    return tuple([sys.intern(e) if len(e) <= _INTERNED else e for e in raw.elements])


def transaction_of(raw: Sequence[RawSegment], version: str, d: Delimiters) -> Transaction:
    """The set whose segments (ST to SE) validation cut and checked (`mappers.x12.onepass`): read from them, not
    from the bytes again. Its envelope was checked by validation, not here. Its elements are validation's own,
    not interned: validation held them all until the set closed, so interning would not lower the peak."""
    segments = Segments([r.elements for r in raw])
    st = segments[0]
    return Transaction(set_id=st.elements[1] if len(st.elements) > 1 else "", control_number=st.get(2) or "",
                       segments=segments, version=version, implementation=st.get(3), delimiters=d)


def _interchange(isa: IsaHeader, d: Delimiters) -> Interchange:
    return Interchange(sender_qualifier=isa.sender_qualifier, sender_id=isa.sender_id,
                       receiver_qualifier=isa.receiver_qualifier, receiver_id=isa.receiver_id,
                       control_number=isa.control_number, version=isa.get(12), ack_requested=isa.get(14) == "1",
                       usage=isa.get(15), delimiters=d)


def _envelope_segment(env: _Envelope, s: Segment, d: Delimiters) -> None:
    isa13 = env.interchange.control_number
    if s.tag == "GS":
        if env.group is not None:
            raise MappingError(f"interchange {isa13}: GS {s.get(6)} starts before GE closed group "
                               f"{env.group.control_number}")
        env.group = Group(functional_id=s.required(1), sender=s.get(2) or "", receiver=s.get(3) or "",
                          control_number=s.required(6), version=s.required(8))
        env.group_sets = 0
        env.seen_st = set()
    elif s.tag == "ST":
        if env.group is None:
            raise MappingError(f"interchange {isa13}: ST {s.get(2)} outside a functional group (no GS)")
        st02 = s.required(2)
        if st02 in env.seen_st:
            raise MappingError(f"group {env.group.control_number}: ST02 {st02} is used twice in the group")
        env.seen_st.add(st02)
        env.rows = Segments([s.elements])
        env.tx = Transaction(set_id=s.required(1), control_number=st02, segments=env.rows,
                             version=env.group.version, implementation=s.get(3), delimiters=d)
    elif s.tag == "GE":
        if env.group is None:
            raise MappingError(f"interchange {isa13}: GE without a GS")
        if s.get(2) != env.group.control_number:
            raise MappingError(f"GE02 {s.get(2)} does not match GS06 {env.group.control_number}", "GE", None, 2)
        if s.get(1) != str(env.group_sets):
            raise MappingError(f"group {env.group.control_number}: GE01 says {s.get(1)} sets, it holds "
                               f"{env.group_sets}", "GE", None, 1)
        env.group = None
        env.groups += 1
    elif s.tag == "ISA":
        raise MappingError(f"interchange {isa13}: a new interchange (ISA) starts before the IEA trailer")
    elif s.tag == "TA1" and env.group is None:
        env.interchange.ta1s.append(s)  # an interchange acknowledgment travels outside any group
    else:
        where = "a functional group" if env.group else "the interchange"
        raise MappingError(f"interchange {isa13}: segment {s.tag} found in {where} outside a transaction set")


def _in_transaction(env: _Envelope, tx: Transaction, s: Segment) -> bool:
    """Add `s` to the open set; True when it was the SE that closes it."""
    if s.tag in ("ST", "GE", "GS", "IEA", "ISA"):
        raise MappingError(f"set {tx.control_number}: {s.tag} found before its SE trailer", s.tag, s.position)
    env.rows.append(s.elements)
    if s.tag != "SE":
        return False
    if s.get(2) != tx.control_number:
        raise MappingError(f"SE02 {s.get(2)} does not match ST02 {tx.control_number}", "SE", s.position, 2)
    if s.get(1) != str(len(tx.segments)):
        raise MappingError(f"set {tx.control_number}: SE01 says {s.get(1)} segments, the set has "
                           f"{len(tx.segments)}", "SE", s.position, 1)
    env.group_sets += 1
    return True


def _close_interchange(env: _Envelope, s: Segment) -> None:
    isa13 = env.interchange.control_number
    if env.group is not None:
        raise MappingError(f"interchange {isa13}: IEA before GE closed group {env.group.control_number}")
    if s.get(2) != isa13:
        raise MappingError(f"IEA02 {s.get(2)} does not match ISA13 {isa13}", "IEA", None, 2)
    if s.get(1) != str(env.groups):
        raise MappingError(f"interchange {isa13}: IEA01 says {s.get(1)} groups, it holds {env.groups}",
                           "IEA", None, 1)


def read_interchanges(source: bytes | BinaryIO, encoding: str = "utf-8",
                      limits: Limits | None = None) -> list[Interchange]:
    """Everything in `source` with the envelopes filled in, for small inputs (tests, the CLI on one file).
    An interchange or group that holds no transaction set is not listed."""
    out: list[Interchange] = []
    last_interchange: Interchange | None = None
    last_group: Group | None = None
    for found in iter_transactions(source, encoding, limits):
        i, g = found.interchange, found.group
        if i is not last_interchange:
            last_interchange = i
            out.append(Interchange(i.sender_qualifier, i.sender_id, i.receiver_qualifier, i.receiver_id,
                                   i.control_number, i.version, i.ack_requested, i.usage, i.delimiters))
        if g is not last_group:
            last_group = g
            out[-1].groups.append(Group(g.functional_id, g.sender, g.receiver, g.control_number, g.version))
        out[-1].groups[-1].transactions.append(found.transaction)
    return out
