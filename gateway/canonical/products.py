"""Product ids: every product/service id pair a line carries (X12 235/234), and the convenience fields read
from them (docs/x12-mapping.md, "Product ids and dimensions").

A partner sends what it sends: a PO1 with BP and IN, an 861 LIN with the vendor's part number. The pairs are
kept whole and in order in `product_ids`, so what goes back to a partner (an 855 echo, an 861 to the vendor)
carries every id it sent. `buyer_item`, `vendor_item`, `upc` and the dimensions stay as the fields the
workflow reads; `product_ids` and those fields are kept in agreement when a line is built:

- a field left empty takes the first pair of its family (`BP, IN, PI, CB, SK` for `buyer_item`...);
- a field given that its family does not read back sets the pair of the qualifier we write for it (`BP` for
  `buyer_item`): that pair's value is replaced when the line has one (the field is what was edited: an API
  call or a change that names the item), else the pair is added, and the other pairs stay.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from gateway.canonical.common import Canonical, Dimensions


class ProductId(Canonical):
    """One product/service id pair: qualifier (X12 235, e.g. BP buyer's part number) and id (234)."""

    qualifier: str = Field(min_length=2, max_length=2)
    id: str = Field(min_length=1, max_length=48)


@dataclass(frozen=True)
class IdField:
    """A convenience field filled from product ids: the qualifier written for it and those it is read from."""

    name: str
    written: str
    read: tuple[str, ...]


BUYER_ITEM = ("BP", "IN", "PI", "CB", "SK")
VENDOR_ITEM = ("VP", "VN", "VC", "MG")
UPC = ("UP", "UK", "EN")
COLOR = ("BO", "VE")
SIZE = ("IZ", "SZ")
STYLE = ("IT", "VA")
CONFIGURATION = ("ZZ",)

ORDER_ITEM_FIELDS = (IdField("buyer_item", "BP", BUYER_ITEM), IdField("vendor_item", "VP", VENDOR_ITEM),
                     IdField("upc", "UP", UPC))
# Receipts and stock name one `item`, whoever's number it is; the vendor's own number travels beside it.
ANY_ITEM_FIELDS = (IdField("item", "BP", BUYER_ITEM + VENDOR_ITEM + UPC), IdField("vendor_item", "VP", VENDOR_ITEM))
DIMENSION_FIELDS = (IdField("color", "BO", COLOR), IdField("size", "IZ", SIZE), IdField("style", "IT", STYLE),
                    IdField("configuration", "ZZ", CONFIGURATION))


def _first_uses(ids: Iterable[ProductId]) -> dict[str, ProductId]:
    """The first pair of each qualifier `ids` holds."""
    firsts: dict[str, ProductId] = {}
    for pair in ids:
        if pair.qualifier not in firsts:
            firsts[pair.qualifier] = pair
    return firsts


def _first_of(firsts: Mapping[str, ProductId], qualifiers: Sequence[str]) -> ProductId | None:
    for qualifier in qualifiers:
        pair = firsts.get(qualifier)
        if pair is not None:
            return pair
    return None


def reconcile(ids: Sequence[ProductId], values: Mapping[str, str | None],
              fields: Sequence[IdField]) -> tuple[tuple[ProductId, ...], dict[str, str]]:
    """`ids` brought into agreement with the field `values` (rules in the module docstring): the pairs to
    keep, and the values of the fields that were empty and a pair fills. Running it again changes nothing:
    each written qualifier comes first in its family, so the pair a given field adds or edits is the one
    its family reads."""
    pairs = tuple(ids)
    pairs, _, filled = _reconcile(pairs, _first_uses(pairs), values, fields)
    return pairs, filled


def _reconcile(pairs: tuple[ProductId, ...], firsts: dict[str, ProductId], values: Mapping[str, str | None],
               fields: Sequence[IdField]) -> tuple[tuple[ProductId, ...], dict[str, ProductId], dict[str, str]]:
    """`reconcile` given the first use of each qualifier in `pairs`, which it returns brought up to date: every
    line is reconciled as it is built, so each reads its pairs once, whatever the fields."""
    # The given fields first: a pair one of them adds may fill an empty one. Twice when an edit was made: a
    # field may read its value from a pair another field then edits (item 00 read from VP 00, vendor_item 0
    # rewriting VP); on the second pass it writes its own pair, which comes first in its family and no other
    # field writes, so a third would change nothing.
    for _ in range(2):
        edits = 0
        for field in fields:
            value = values.get(field.name)
            if value is None:
                continue
            current = _first_of(firsts, field.read)
            if current is not None and current.id == value:
                continue
            edited = list(pairs)
            own = next((i for i, p in enumerate(edited) if p.qualifier == field.written), None)
            if own is None:
                edited.append(ProductId(qualifier=field.written, id=value))
            else:
                edited[own] = ProductId(qualifier=field.written, id=value)
            pairs = tuple(edited)
            firsts = _first_uses(pairs)
            edits += 1
        if not edits:
            break
    filled: dict[str, str] = {}
    if firsts:
        for field in fields:
            if values.get(field.name) is None:
                current = _first_of(firsts, field.read)
                if current is not None:
                    filled[field.name] = current.id
    return pairs, firsts, filled


DIMENSION_NAMES = tuple(f.name for f in DIMENSION_FIELDS)
DIMENSION_QUALIFIERS = frozenset(q for f in DIMENSION_FIELDS for q in f.read)


def _names_no_id_dimension(given: Canonical) -> bool:
    """Whether `given` (a line's Dimensions) leaves color, size, style and configuration empty: then, with no
    pair of theirs either, there is nothing to agree on (most lines)."""
    if isinstance(given, Dimensions):
        return given.color is None and given.size is None and given.style is None and given.configuration is None
    return all(getattr(given, n, None) is None for n in DIMENSION_NAMES)


def reconciled_line(data: Any, fields: Sequence[IdField], keep_unset: bool = False) -> Any:
    """For a line model's `mode="before"` validator: `data` with `product_ids`, the id fields and the
    dimensions in agreement. With `keep_unset` (a change: None keeps the previous value), a line that names
    no id at all is left as it is."""
    if not isinstance(data, dict):
        return data
    raw_ids = data.get("product_ids")
    given = data.get("dimensions")
    values = {f.name: data.get(f.name) for f in fields}
    if keep_unset and raw_ids is None and not any(values.values()) and not given:  # a Dimensions counts as named
        return data
    ids = tuple(p if isinstance(p, ProductId) else ProductId.model_validate(p) for p in raw_ids or ())
    ids_tuple, firsts, filled = _reconcile(ids, _first_uses(ids), values, fields)
    out = {**data, **filled}
    if isinstance(given, Canonical):  # only the id dimensions are read: the whole dump is needed when one fills
        dims_filled: dict[str, str] = {}
        if not firsts.keys().isdisjoint(DIMENSION_QUALIFIERS) or not _names_no_id_dimension(given):
            ids_tuple, _, dims_filled = _reconcile(ids_tuple, firsts,
                                                   {n: getattr(given, n, None) for n in DIMENSION_NAMES},
                                                   DIMENSION_FIELDS)
        if dims_filled:
            out["dimensions"] = {**given.model_dump(), **dims_filled}
        # else the given Dimensions stays the same object: readers share one empty instance among all lines
    elif given is None or isinstance(given, dict):  # a change's dimension pairs state its dimensions, as in X12
        dim_values = dict(given or {})
        ids_tuple, _, dims_filled = _reconcile(ids_tuple, firsts, dim_values, DIMENSION_FIELDS)
        if dims_filled or given is not None:
            out["dimensions"] = {**dim_values, **dims_filled}
    out["product_ids"] = ids_tuple
    return out
