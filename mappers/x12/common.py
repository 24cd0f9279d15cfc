"""Helpers every X12 mapper shares: dates, numbers, free text, product-id pairs, dimensions, notes (N9/MSG),
attachments (PWK), charges (SAC) and parties (N1 loops).

Readers take parsed `Segment`s and raise `MappingError` naming segment, position and element; writers return
`Segment`s whose free-text elements are wrapped in `Text` so the writer may clean them of delimiter characters
(identifiers are never altered: the writer refuses them loudly instead). The conventions are documented
element by element in docs/x12-mapping.md.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from gateway.canonical import (
    Attachment,
    Charge,
    Dimensions,
    LineChange,
    Note,
    OnHandItem,
    OrderLine,
    Party,
    ProductId,
    ReceiptLine,
    products,
)
from gateway.canonical.products import ANY_ITEM_FIELDS, DIMENSION_FIELDS, ORDER_ITEM_FIELDS, IdField, reconcile
from mappers.x12.segments import MappingError, Segment


class Text(str):
    """A free-text element value: the writer replaces delimiter characters in it by spaces."""


def seg(tag: str, *elements: str | None) -> Segment:
    """A segment from element values; None becomes an empty element and trailing empties are dropped."""
    values = [tag, *("" if e is None else e for e in elements)]
    while len(values) > 1 and values[-1] == "":
        values.pop()
    return Segment(tuple(values))


# ---------------------------------------------------------------- dates and numbers

def read_date(segment: Segment, index: int) -> date | None:
    """A DT element: CCYYMMDD (4010 and later); YYMMDD is refused, it is a pre-4010 form."""
    value = segment.get(index)
    if value is None:
        return None
    if len(value) != 8 or not value.isdigit():
        raise MappingError(f"date {value!r} is not CCYYMMDD", segment.tag, segment.position, index)
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise MappingError(f"date {value!r} does not exist", segment.tag, segment.position, index) from None


def fmt_date(value: date | None) -> str | None:
    return None if value is None else value.strftime("%Y%m%d")


def read_decimal(segment: Segment, index: int) -> Decimal | None:
    """An R element (explicit decimal point, optional minus sign)."""
    value = segment.get(index)
    if value is None:
        return None
    number = _decimal(value)
    if number is None:
        raise MappingError(f"{value!r} is not a decimal number", segment.tag, segment.position, index)
    return number


@functools.lru_cache(maxsize=4096)
def _decimal(value: str) -> Decimal | None:
    """`value` as a Decimal, None when it is not an R number; the same text gives the same (immutable) object,
    so the quantities and prices repeated over many lines are held once."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() and "e" not in value.lower() else None


def fmt_decimal(value: Decimal | None) -> str | None:
    """R form: no exponent, no needless trailing zeros ("9.250" -> "9.25", "1E+2" -> "100")."""
    if value is None:
        return None
    if not value.is_finite():
        raise MappingError(f"{value} cannot be written as an X12 number")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def left_to_receive(quantity: Decimal | None, received: Decimal | None) -> str | None:
    """POC04 (671, quantity left to receive): the line's quantity less what was received to date, never below
    zero; None without a quantity. POC's note C030405 asks for it (and POC05) whenever POC03 is sent."""
    if quantity is None:
        return None
    return fmt_decimal(max(quantity - (received or Decimal(0)), Decimal(0)))


def read_cents(segment: Segment, index: int) -> Decimal | None:
    """An N2 element: an integer with two implied decimals ("1250" is 12.50)."""
    value = segment.get(index)
    if value is None:
        return None
    digits = value[1:] if value.startswith("-") else value
    if not digits.isdigit():
        raise MappingError(f"{value!r} is not an N2 number", segment.tag, segment.position, index)
    return Decimal(value).scaleb(-2)


def fmt_cents(value: Decimal, where: str) -> str:
    cents = value.scaleb(2)
    if cents != cents.to_integral_value():
        raise MappingError(f"{where}: amount {value} has more than two decimals, which X12 N2 cannot carry")
    return str(int(cents))


def first_component(value: str | None, component: str) -> str | None:
    """The first component of a composite such as C001 (POC05) or the whole value when simple."""
    if value is None:
        return None
    return value.split(component, 1)[0] or None


# ---------------------------------------------------------------- loops inside a header or a line

def split_loops(segments: Sequence[Segment], starters: frozenset[str]) -> tuple[list[Segment], list[list[Segment]]]:
    """Separate plain segments from the sub-loops that `starters` open (e.g. N9, N1).

    In the 850/860 order every plain segment a mapper needs comes before these loops, and a loop runs to the
    next starter, so a REF or DTM after N1 belongs to the N1 loop, not to the line.
    """
    plain: list[Segment] = []
    loops: list[list[Segment]] = []
    for s in segments:
        if s.elements[0] in starters:
            loops.append([s])
        elif loops:
            loops[-1].append(s)
        else:
            plain.append(s)
    return plain, loops


HEADER_LOOPS = frozenset({"AMT", "N9", "N1", "LM", "SPI", "ADV"})
LINE_LOOPS = frozenset({"QTY", "SCH", "PKG", "N9", "LS", "N1", "SLN", "AMT", "LM"})


# ---------------------------------------------------------------- product ids and dimensions

# Which qualifier fills which field, and the one written for it: gateway/canonical/products.py
# (docs/x12-mapping.md, "Product ids and dimensions").
PID_COLOR = ("75", "73")
PID_SIZE = ("91", "74")
PID_DIMENSION_CODES = frozenset(PID_COLOR + PID_SIZE)
DESCRIPTION_PID = (None, "08", "GEN")


def read_product_ids(segment: Segment, start: int) -> tuple[ProductId, ...]:
    """Every qualifier/id pair (235/234) from element `start` on, in order; a half pair is refused."""
    elements = segment.elements
    end = len(elements)
    found: list[ProductId] = []
    for i in range(start, end, 2):  # read on every line: the elements directly, not through Segment.get
        qualifier = elements[i] or None
        value = elements[i + 1] or None if i + 1 < end else None
        if qualifier is None:
            if value is not None:
                raise MappingError(f"product id {value!r} has no qualifier", segment.tag, segment.position, i)
        elif value is None:
            raise MappingError(f"product id qualifier {qualifier} has no id", segment.tag, segment.position, i + 1)
        else:
            found.append(_product_id(qualifier, value))
    return tuple(found)


@functools.lru_cache(maxsize=4096)
def _product_id(qualifier: str, value: str) -> ProductId:
    """One pair; the same pair gives the same (frozen) object, so the items repeated over many lines are held
    once and validated once."""
    return ProductId(qualifier=qualifier, id=value)


def by_qualifier(product_ids: Iterable[ProductId]) -> dict[str, str]:
    """The ids by qualifier; the first use of a qualifier wins."""
    pairs: dict[str, str] = {}
    for p in product_ids:
        pairs.setdefault(p.qualifier, p.id)
    return pairs


def read_pairs(segment: Segment, start: int) -> dict[str, str]:
    return by_qualifier(read_product_ids(segment, start))


def pick(pairs: dict[str, str], qualifiers: Iterable[str]) -> str | None:
    for qualifier in qualifiers:
        value = pairs.get(qualifier)
        if value is not None:
            return value
    return None


def id_elements(product_ids: Iterable[ProductId], values: Mapping[str, str | None], where: str,
                dims: Dimensions | None = None, fields: Sequence[IdField] = ORDER_ITEM_FIELDS,
                max_pairs: int = 10) -> list[str]:
    """The pairs to write after PO1/POC/ACK/LIN, flattened: every id the line carries, in order, with the
    id fields and dimensions in agreement (a line from the lifecycle may hold an id its fields changed)."""
    ids, _ = reconcile(tuple(product_ids), values, fields)
    if dims is not None:
        ids, _ = reconcile(ids, dims.model_dump(), DIMENSION_FIELDS)
    if len(ids) > max_pairs:
        raise MappingError(f"{where} carries {len(ids)} product ids ({', '.join(p.qualifier for p in ids)}); "
                           f"the segment holds {max_pairs} pairs")
    return [element for p in ids for element in (p.qualifier, p.id)]


def item_ids(line: ReceiptLine | OnHandItem) -> list[str]:
    """The LIN pairs of a received or stocked item: every id it carries, the vendor's part number included
    (LIN holds 15 pairs, PO1/POC/ACK 10)."""
    dims = line.dimensions.model_copy(update={"site": None, "warehouse": None})
    return id_elements(line.product_ids, {"item": line.item, "vendor_item": line.vendor_item},
                       f"item {line.item}" if isinstance(line, OnHandItem) else f"line {line.line_number}", dims,
                       ANY_ITEM_FIELDS, max_pairs=15)


def order_ids(line: OrderLine | LineChange) -> list[str]:
    """The pairs of an ordered line (PO1, POC, and the 855/865 echo)."""
    return id_elements(line.product_ids or (), {"buyer_item": line.buyer_item, "vendor_item": line.vendor_item,
                                                "upc": line.upc}, f"line {line.line_number}", line.dimensions)


def read_description(pids: Iterable[Segment]) -> str | None:
    """PID05 of the free-form product descriptions; one longer than 80 characters continues in the next PID."""
    parts = [p.get(5) for p in pids if p.get(1) in ("F", "X") and p.get(2) in DESCRIPTION_PID]
    text = "".join(p for p in parts if p)
    return text or None


def description_segments(text: str | None) -> list[Segment]:
    if not text:
        return []
    return [seg("PID", "F", None, None, None, Text(text[i:i + 80])) for i in range(0, len(text), 80)]


def _pid_texts(pids: Iterable[Segment]) -> dict[str | None, str]:
    """PID05 by PID02 (the last PID of a code wins), for the codes dimensions are read from."""
    return {p.get(2): text for p in pids if p.get(2) in PID_DIMENSION_CODES and (text := p.get(5))}


def _pid_value(texts: Mapping[str | None, str], codes: tuple[str, ...]) -> str | None:
    return next((texts[c] for c in codes if c in texts), None)


def read_dimensions(pairs: dict[str, str], pids: Sequence[Segment], refs: Sequence[Segment],
                    loops: Sequence[list[Segment]]) -> Dimensions:
    """The six dimensions of a line (docs/x12-mapping.md): pairs, PID texts, REF*ZZ SITE and the WH N1 loop.
    A line without any gets the one shared NO_DIMENSIONS (a PO of 200,000 lines would otherwise hold as many
    empty models, ~1 KB each)."""
    site, warehouse = read_site_warehouse(refs, loops) if refs or loops else (None, None)
    texts = _pid_texts(pids) if pids else {}
    color = pick(pairs, products.COLOR) or (_pid_value(texts, PID_COLOR) if texts else None)
    size = pick(pairs, products.SIZE) or (_pid_value(texts, PID_SIZE) if texts else None)
    style = pick(pairs, products.STYLE)
    configuration = pick(pairs, products.CONFIGURATION)
    if site is None and warehouse is None and color is None and size is None and style is None \
            and configuration is None:
        return NO_DIMENSIONS
    return Dimensions(site=site, warehouse=warehouse, color=color, size=size, style=style,
                      configuration=configuration)


NO_DIMENSIONS = Dimensions()  # frozen: safely shared


def read_site_warehouse(refs: Sequence[Segment], loops: Sequence[list[Segment]]) -> tuple[str | None, str | None]:
    """Site from `REF*ZZ*<site>*SITE`; warehouse from `N1*WH**92*<code>`, else from `N1*ST` with N103 92."""
    site = next((r.get(2) for r in refs if r.get(1) == "ZZ" and (r.get(3) or "").upper() == "SITE"), None)
    n1s = [loop[0] for loop in loops if loop[0].tag == "N1"]
    warehouse = next((n.get(4) for n in n1s if n.get(1) == "WH" and n.get(4)), None)
    if warehouse is None:
        warehouse = next((n.get(4) for n in n1s if n.get(1) == "ST" and n.get(3) == "92" and n.get(4)), None)
    return site, warehouse


def site_segments(site: str | None) -> list[Segment]:
    return [] if site is None else [seg("REF", "ZZ", site, "SITE")]


def warehouse_segments(warehouse: str | None) -> list[Segment]:
    return [] if warehouse is None else [seg("N1", "WH", None, "92", warehouse)]


# ---------------------------------------------------------------- notes (N9/MSG)

def uses_mtx(release: str) -> bool:
    """From 004020 on, notes are MTX (MTX02, up to 4096 characters); 004010 has MSG (MSG01, up to 264)."""
    return release[:6] >= "004020"


def _note_text(s: Segment) -> str:
    return s.required(1) if s.tag == "MSG" else s.required(2)


def read_notes(plain: Sequence[Segment], loops: Sequence[list[Segment]]) -> tuple[Note, ...]:
    """One note per N9 loop: its MSG (4010) or MTX (4020 on) lines joined by newlines, N903 when there are
    none; a bare MSG/MTX of a PO1/POC loop is a note without a code."""
    notes = [Note(text=_note_text(m)) for m in plain if m.tag in ("MSG", "MTX")]
    for loop in loops:
        head = loop[0]
        if head.tag != "N9":
            continue
        lines = [_note_text(m) for m in loop[1:] if m.tag in ("MSG", "MTX")]
        text = "\n".join(lines) if lines else head.get(3)
        if text:
            notes.append(Note(text=text, code=head.required(1)))
    return tuple(notes)


def note_segments(notes: Iterable[Note], release: str = "004010") -> list[Segment]:
    """`N9*<code or L1>**NOTE`, then one MSG (4010) or MTX (4020 on) per line of the text; a line longer
    than the element (MSG01 264, MTX02 4096) is wrapped. `release` is GS08."""
    mtx = uses_mtx(release)
    width = 4096 if mtx else 264
    out: list[Segment] = []
    for note in notes:
        out.append(seg("N9", note.code or "L1", None, "NOTE"))
        for line in note.text.split("\n"):
            for i in range(0, len(line), width):
                chunk = Text(line[i:i + width])
                out.append(seg("MTX", None, chunk) if mtx else seg("MSG", chunk))
    return out


# ---------------------------------------------------------------- attachments (PWK)

def read_attachments(segments: Iterable[Segment]) -> tuple[Attachment, ...]:
    """PWK references: PWK07 (or PWK06) names the file; the bytes travel out of band."""
    found = []
    for s in segments:
        if s.tag != "PWK":
            continue
        name = s.get(7) or s.get(6)
        if name is None:
            raise MappingError("attachment reference names no file (PWK07 or PWK06)", s.tag, s.position, 7)
        found.append(Attachment(file_name=name, report_type=s.required(1)))
    return tuple(found)


def attachment_segments(attachments: Iterable[Attachment]) -> list[Segment]:
    """`PWK*<report type or AT>*EL****<file name>`: EL = sent electronically, outside the X12 document."""
    return [seg("PWK", a.report_type or "AT", "EL", None, None, None, None, Text(a.file_name))
            for a in attachments]


# ---------------------------------------------------------------- charges (SAC)

def read_charges(segments: Iterable[Segment]) -> tuple[Charge, ...]:
    charges = []
    for s in segments:
        if s.tag != "SAC":
            continue
        amount = read_cents(s, 5)
        if amount is None:
            raise MappingError("charge has no amount (percent-based charges are not supported)",
                               s.tag, s.position, 5)
        indicator = s.required(1)
        if indicator not in ("A", "C"):
            raise MappingError(f"indicator {indicator!r} is neither A (allowance) nor C (charge)",
                               s.tag, s.position, 1)
        charges.append(Charge(code=s.required(2), amount=amount, indicator=indicator, description=s.get(15)))
    return tuple(charges)


def charge_segments(charges: Iterable[Charge]) -> list[Segment]:
    out = []
    for c in charges:
        desc = Text(c.description) if c.description else None
        out.append(seg("SAC", c.indicator, c.code, None, None, fmt_cents(c.amount, f"charge {c.code}"),
                       None, None, None, None, None, None, None, None, None, desc))
    return out


# ---------------------------------------------------------------- parties (N1 loops)

def read_party(loop: Sequence[Segment]) -> Party:
    n1 = loop[0]
    address: list[str] = []
    city = state = postal = country = None
    for s in loop[1:]:
        if s.tag == "N3":
            address += [v for v in (s.get(1), s.get(2)) if v]
        elif s.tag == "N4":
            city, state, postal, country = s.get(1), s.get(2), s.get(3), s.get(4)
    return Party(name=n1.get(2), id_qualifier=n1.get(3), id=n1.get(4), address=tuple(address),
                 city=city, state=state, postal_code=postal, country=country)


def find_party(loops: Sequence[list[Segment]], code: str) -> Party | None:
    loop = next((lp for lp in loops if lp[0].tag == "N1" and lp[0].get(1) == code), None)
    return None if loop is None else read_party(loop)


def party_segments(code: str, party: Party | None) -> list[Segment]:
    if party is None:
        return []
    if party.name is None and party.id is None:
        raise MappingError(f"party {code} has neither a name nor an id (N102 or N103/N104 is required)")
    if (party.id is None) != (party.id_qualifier is None):
        raise MappingError(f"party {code}: N103 and N104 go together (id {party.id!r}, "
                           f"qualifier {party.id_qualifier!r})")
    out = [seg("N1", code, Text(party.name) if party.name else None, party.id_qualifier, party.id)]
    lines = list(party.address)
    for i in range(0, len(lines), 2):
        out.append(seg("N3", *(Text(v) for v in lines[i:i + 2])))
    if party.city or party.state or party.postal_code or party.country:
        out.append(seg("N4", Text(party.city) if party.city else None, party.state, party.postal_code,
                       party.country))
    return out


# ---------------------------------------------------------------- dates (DTM)

DELIVERY_REQUESTED = "002"


def read_dtm(segments: Iterable[Segment], qualifier: str) -> date | None:
    return next((read_date(s, 2) for s in segments if s.tag == "DTM" and s.get(1) == qualifier), None)


def dtm_segments(qualifier: str, value: date | None) -> list[Segment]:
    return [] if value is None else [seg("DTM", qualifier, fmt_date(value))]
