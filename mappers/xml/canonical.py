"""Canonical documents as XML and back, for ERPs that do not speak X12.

`to_xml(document)` writes UTF-8 bytes that validate against schemas/xml/canonical.xsd (checked on every
write); `from_xml(data)` refuses DOCTYPEs and entity declarations, validates against the same XSD, and
returns the document its root element names. Decimals travel as exact decimal text (never through float),
dates as ISO `YYYY-MM-DD`. The layout is derived from the pydantic models: see `mappers.xml.shapes`.
"""

from __future__ import annotations

import functools
import threading
from datetime import date
from decimal import Decimal
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import BaseModel, ValidationError

from gateway.canonical import DOCUMENT_CLASSES, Document
from mappers.xml.errors import XmlError, XmlProblem, XmlSchemaError, XmlWriteError
from mappers.xml.parsing import parse_safely
from mappers.xml.shapes import NAMESPACE, FieldShape, element_name, shapes, shapes_by_tag

CanonicalDocument = Document
DOCUMENT_TYPES: tuple[type[BaseModel], ...] = DOCUMENT_CLASSES  # gateway.canonical's table
ROOTS: dict[str, type[BaseModel]] = {element_name(cls): cls for cls in DOCUMENT_TYPES}
# Package data of `schemas` (shipped in the wheel), found wherever the package is installed.
XSD_PATH = Path(str(resources.files("schemas").joinpath("xml", "canonical.xsd")))

_Path = tuple[str | int, ...]  # where a value sits in the document, as pydantic reports error locations


def to_xml(document: CanonicalDocument) -> bytes:
    """The document as canonical XML (UTF-8, with declaration). Raises XmlWriteError if it cannot be valid."""
    if type(document) not in DOCUMENT_TYPES:
        raise TypeError(f"not a canonical document: {type(document).__name__}")
    root = etree.Element(_qname(element_name(type(document))), nsmap={None: NAMESPACE})
    _write_fields(root, document, ())
    _validate(etree.ElementTree(root), XmlWriteError, f"{type(document).__name__} is not valid canonical XML")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def from_xml(data: bytes) -> CanonicalDocument:
    """The canonical document in `data`; its root element picks the type. Raises an XmlError naming the
    line and the problem when the XML is malformed, carries a DOCTYPE, or is not a valid document."""
    if not isinstance(data, bytes):
        raise TypeError("canonical XML is read from bytes, so that its encoding declaration is honoured")
    tree = parse_safely(data)
    root = tree.getroot()
    qname = etree.QName(root)
    if qname.namespace != NAMESPACE or qname.localname not in ROOTS:
        raise XmlSchemaError(
            "not a canonical document",
            [XmlProblem(root.sourceline, f"root element {_display(root.tag)} is not one of "
                        f"{', '.join(sorted(ROOTS))} in namespace {NAMESPACE}")],
        )
    _validate(tree, XmlSchemaError, "invalid canonical XML")
    model = ROOTS[qname.localname]
    lines: dict[_Path, int] = {(): root.sourceline}
    data_dict = _read_fields(root, model, (), lines)
    try:
        document = model.model_validate(data_dict)
    except ValidationError as exc:
        raise XmlSchemaError(
            f"invalid {model.__name__}",
            [XmlProblem(_line_of(tuple(err["loc"]), lines), _pydantic_message(err)) for err in exc.errors()],
        ) from exc
    assert isinstance(document, DOCUMENT_TYPES)
    return document  # type: ignore[return-value]  # one of the DOCUMENT_TYPES, checked above


# -- the XSD ----------------------------------------------------------------------------------------------


@functools.cache
def _schema() -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(XSD_PATH), parser))


# An XMLSchema's error log belongs to the schema object, so concurrent validations must not interleave.
_schema_lock = threading.Lock()


def _validate(tree: Any, error: type[XmlError], summary: str) -> None:
    with _schema_lock:
        schema = _schema()
        if schema.validate(tree):
            return
        problems = [XmlProblem(entry.line or None, _display(entry.message)) for entry in schema.error_log]
    raise error(summary, problems)


# -- writing ----------------------------------------------------------------------------------------------


def _write_fields(parent: Any, model: BaseModel, path: _Path) -> None:
    for shape in shapes(type(model)):
        value = getattr(model, shape.name)
        if value is None or (shape.omit_default and value == shape.default):
            continue
        element = etree.SubElement(parent, _qname(shape.tag))
        where = (*path, shape.name)
        if not shape.repeated:
            _write_value(element, shape, value, where)
            continue
        assert shape.item_tag is not None
        for index, item in enumerate(value):
            _write_value(etree.SubElement(element, _qname(shape.item_tag)), shape, item, (*where, index))


def _write_value(element: Any, shape: FieldShape, value: Any, path: _Path) -> None:
    if shape.kind == "model":
        _write_fields(element, value, path)
        return
    text = _scalar_text(value, path)
    try:
        element.text = text
    except ValueError as exc:  # lxml refuses characters XML 1.0 cannot carry (NUL, most C0 controls...)
        raise XmlWriteError(
            "text that XML cannot carry", [XmlProblem(None, f"{_dotted(path)}: {exc} in {text!r}")]
        ) from exc


def _scalar_text(value: Any, path: _Path) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise XmlWriteError("not a decimal number", [XmlProblem(None, f"{_dotted(path)}: {value}")])
        return format(value, "f")  # plain notation, every digit kept: 1E+2 -> "100", 1.50 -> "1.50"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# -- reading ----------------------------------------------------------------------------------------------


def _read_fields(element: Any, model: type[BaseModel], path: _Path, lines: dict[_Path, int]) -> dict[str, Any]:
    by_tag = shapes_by_tag(model)
    values: dict[str, Any] = {}
    for child in element.iterchildren(tag=etree.Element):
        tag = etree.QName(child).localname
        shape = by_tag.get(tag)
        if shape is None:  # the XSD declares an element the model does not have: ours to fix, not the sender's
            raise XmlSchemaError(
                f"invalid {model.__name__}", [XmlProblem(child.sourceline, f"{tag} is not a field of {model.__name__}")]
            )
        where = (*path, shape.name)
        lines[where] = child.sourceline
        if shape.repeated:
            items = list(child.iterchildren(tag=etree.Element))
            for index, item in enumerate(items):
                lines[(*where, index)] = item.sourceline
            values[shape.name] = [_read_value(item, shape, (*where, i), lines) for i, item in enumerate(items)]
        else:
            values[shape.name] = _read_value(child, shape, where, lines)
    return values


def _read_value(element: Any, shape: FieldShape, path: _Path, lines: dict[_Path, int]) -> Any:
    if shape.kind == "model":
        return _read_fields(element, shape.model, path, lines)
    text = "".join(element.itertext())
    kind = shape.value_type
    if kind is str:
        return text  # whitespace is data in a text field
    text = text.strip()  # the XSD collapses whitespace around numbers, dates and codes
    if kind is Decimal:
        return Decimal(text)
    if kind is bool:
        return text in ("true", "1")
    if kind is int:
        return int(text)
    if kind is date:
        return date.fromisoformat(text)
    return text  # an Enum: pydantic checks the value


def _line_of(loc: _Path, lines: dict[_Path, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _pydantic_message(error: Any) -> str:
    where = _dotted(tuple(error["loc"]))
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def _dotted(path: _Path) -> str:
    return ".".join(f"[{part}]" if isinstance(part, int) else part for part in path).replace(".[", "[")


def _qname(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def _display(text: str) -> str:
    return str(text).replace(f"{{{NAMESPACE}}}", "")
