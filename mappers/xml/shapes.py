"""How a canonical pydantic model lays out in XML, read from its field annotations.

The XML mapping is driven by the models rather than written per class, so an optional field that another
part of the gateway adds to a canonical document travels through XML as soon as the XSD declares it.

Layout rules (the XSD in schemas/xml/canonical.xsd follows them):
- a document is an element named after its class in lowerCamelCase (`PurchaseOrderVersion` ->
  `purchaseOrderVersion`), in the namespace `NAMESPACE`;
- each field is a child element named after the field in lowerCamelCase, in field order;
- a field whose value is `None` is absent, so "absent" and "empty" stay distinct: `charges` absent keeps
  the previous version's charges, an empty `<charges/>` removes them all; a field whose value is its
  default empty tuple or default model (`dimensions` all empty) is absent too;
- a tuple is a wrapper element holding one child per item: a model item is named after its class
  (`<notes><note>...`), a text item `value` (except `address`, whose items are `line`).
"""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel

NAMESPACE = "urn:edi-gateway:canonical:1"

# The item element of a tuple of plain values; a tuple of models names items after the model.
SCALAR_ITEM_TAGS = {"address": "line"}
SCALAR_TYPES: tuple[type, ...] = (str, int, bool, Decimal, date)

Kind = Literal["scalar", "model"]


@dataclass(frozen=True)
class FieldShape:
    """One field of a canonical model as the XML mapping sees it."""

    name: str  # the Python field name
    tag: str  # the XML local name
    kind: Kind  # what the value (or each item of a tuple) is
    value_type: type  # a scalar type (str, int, bool, Decimal, date or an Enum) or a model class
    repeated: bool  # a tuple: a wrapper element with one child per item
    item_tag: str | None  # the child element of a tuple
    # An empty tuple or a model (e.g. `Dimensions()`) as default is left out when the value equals it:
    # absent reads back as the default. Plain values (`uom` "EA") are always written, for the reader's sake.
    omit_default: bool
    default: Any

    @property
    def model(self) -> type[BaseModel]:
        assert self.kind == "model" and issubclass(self.value_type, BaseModel)
        return self.value_type


def camel(name: str) -> str:
    """`po_number` -> `poNumber`, `PurchaseOrderVersion` -> `purchaseOrderVersion`."""
    if "_" in name:
        first, *rest = name.split("_")
        return first + "".join(part[:1].upper() + part[1:] for part in rest)
    return name[:1].lower() + name[1:]


def element_name(model: type[BaseModel]) -> str:
    """The element of a document (or of a tuple item) of this class."""
    return camel(model.__name__)


@functools.cache
def shapes(model: type[BaseModel]) -> tuple[FieldShape, ...]:
    """The fields of `model` in declaration order. Raises TypeError for an annotation XML cannot carry."""
    return tuple(_shape(model, name, info.annotation, info.default) for name, info in model.model_fields.items())


@functools.cache
def shapes_by_tag(model: type[BaseModel]) -> dict[str, FieldShape]:
    return {shape.tag: shape for shape in shapes(model)}


def _shape(model: type[BaseModel], name: str, annotation: Any, default: Any) -> FieldShape:
    inner = _strip_optional(annotation)
    repeated = typing.get_origin(inner) is tuple
    if repeated:
        args = typing.get_args(inner)
        if len(args) != 2 or args[1] is not Ellipsis:
            raise TypeError(f"{model.__name__}.{name}: only tuple[X, ...] maps to XML, not {annotation!r}")
        inner = args[0]
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        kind: Kind = "model"
        item_tag = element_name(inner) if repeated else None
    elif isinstance(inner, type) and (issubclass(inner, Enum) or inner in SCALAR_TYPES):
        kind = "scalar"
        item_tag = SCALAR_ITEM_TAGS.get(name, "value") if repeated else None
    else:
        raise TypeError(f"{model.__name__}.{name}: no XML mapping for {annotation!r}")
    return FieldShape(
        name=name,
        tag=camel(name),
        kind=kind,
        value_type=inner,
        repeated=repeated,
        item_tag=item_tag,
        omit_default=default == () or isinstance(default, BaseModel),
        default=default,
    )


def _strip_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) != 1:
            raise TypeError(f"no XML mapping for the union {annotation!r}")
        return args[0]
    return annotation
