"""The JSON `gateway render` reads, turned into RenderRequests, with every refusal a clear one-line reason.

The input is untrusted: it may not be UTF-8, may nest a million arrays deep, may give a version as text or a
type as a number, and may hold numbers no float can carry (1e400, 5,000 digits). Numbers are read as
Decimal, exactly as written, so that the render checks can name a number too large for X12 rather than
JSON turning it into infinity or Python refusing to read it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

import gateway.canonical as canonical
from mappers.errors import MapperError, quoted

if TYPE_CHECKING:  # the X12 engine loads only when something is rendered
    from mappers.x12.translate import RenderRequest

SHOWN = 5  # problems listed in one refusal


class InputError(MapperError):
    """The JSON given to `render` is not a document or entry it can read."""


class _Entry(BaseModel):
    """An entry in the shape `translate` prints; envelope keys (`set`, `interchange`...) are ignored."""

    model_config = ConfigDict(extra="ignore")
    type: StrictStr | None = None
    version: StrictInt | None = Field(default=None, ge=1)
    document: dict[str, Any]
    previous: dict[str, Any] | None = None
    answers: dict[str, Any] | None = None
    restated: dict[str, Any] | None = None
    # line number -> quantity received to date: an 860/865 POC04 (quantity left to receive) is the line's less it
    received: dict[StrictStr, Annotated[Decimal, Field(ge=0)]] | None = None


def render_requests(raw: bytes, set_id: str) -> list[RenderRequest]:
    from mappers.x12.translate import RenderRequest

    parsed = _parse(raw)
    entries = parsed if isinstance(parsed, list) else [parsed]
    out = []
    for index, item in enumerate(entries):
        where = f"entry {index + 1}: " if isinstance(parsed, list) else ""
        if not isinstance(item, dict):
            raise InputError(f"{where}expected a JSON object (a document or an entry), got {type(item).__name__}")
        if "document" not in item:
            out.append(RenderRequest(_document(_bare_type(set_id), item, set_id, where)))
            continue
        entry = _validated(_Entry, item, where)
        assert isinstance(entry, _Entry)
        out.append(RenderRequest(
            _document(entry.type or _bare_type(set_id), entry.document, set_id, where),
            version=entry.version, previous=_version(entry.previous, f"{where}previous."),
            answers=_version(entry.answers, f"{where}answers."),
            restated=_version(entry.restated, f"{where}restated."), received=entry.received or {}))
    return out


def _parse(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8: byte {raw[e.start]:#04x} at offset {e.start}") from None
    try:
        return json.loads(text, parse_float=Decimal, parse_int=_integer)
    except json.JSONDecodeError as e:
        raise InputError(f"not JSON: {e}") from None
    except RecursionError:
        raise InputError("not a document: the JSON is nested too deeply") from None


def _integer(text: str) -> int | Decimal:
    # Python refuses to read integers beyond 4,300 digits; a Decimal keeps them, for the render checks to name.
    return int(text) if len(text) <= 30 else Decimal(text)


def _version(data: dict[str, Any] | None, where: str) -> canonical.PurchaseOrderVersion | None:
    if data is None:
        return None
    model = _validated(canonical.PurchaseOrderVersion, data, where)
    assert isinstance(model, canonical.PurchaseOrderVersion)
    return model


def _bare_type(set_id: str) -> str | None:
    """The type a bare document given for `set_id` is read as (gateway.canonical's table), None for an 860,
    which carries four."""
    meant = canonical.meant_by(set_id)
    return meant.name if meant else None


def _document(type_name: str | None, data: Any, set_id: str, where: str) -> BaseModel:
    carried = canonical.carried_by(set_id)
    if type_name is None:
        names = " | ".join(f'"{t.name}"' for t in carried)
        raise InputError(f"{where}an {set_id} carries several kinds of documents: give an entry "
                         f'{{"type": {names}, "document": {{...}}}}')
    try:
        kind = canonical.document_type(type_name)
    except KeyError:
        raise InputError(f"{where}type: {quoted(type_name)} is not a canonical document type") from None
    if kind not in carried:
        raise InputError(f"{where}an {set_id} does not carry a {type_name}; it carries "
                         f"{', '.join(t.name for t in carried)}")
    return _validated(kind.cls, data, where)


def _validated(cls: type[BaseModel], data: Any, where: str) -> BaseModel:
    """`cls` from `data`; pydantic's errors as one line, each naming the field, values cut."""
    try:
        return cls.model_validate(data)
    except ValidationError as e:
        problems = [f"{where}{'.'.join(str(p) for p in err['loc']) or '(document)'}: {err['msg']}"
                    f"{_given(err.get('input'))}" for err in e.errors(include_url=False)]
        more = f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        raise InputError(f"not a valid {_title(cls)}: {'; '.join(problems[:SHOWN])}{more}") from None
    except RecursionError:
        raise InputError(f"{where}not a valid {_title(cls)}: nested too deeply") from None


def _title(cls: type[BaseModel]) -> str:
    return "entry" if cls is _Entry else cls.__name__


def _given(value: object) -> str:
    if isinstance(value, dict | list):
        return ""
    return f" (got {quoted(str(value), 40)})"
