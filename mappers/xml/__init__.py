"""Canonical XML for ERPs that do not speak X12: `to_xml(document) -> bytes`, `from_xml(bytes) -> document`.

The schema is schemas/xml/canonical.xsd (namespace `urn:edi-gateway:canonical:1`); parsing never expands
entities, loads DTDs or touches the network.
"""

from mappers.xml.canonical import DOCUMENT_TYPES, ROOTS, XSD_PATH, CanonicalDocument, from_xml, to_xml
from mappers.xml.errors import (
    XmlError,
    XmlForbiddenError,
    XmlProblem,
    XmlSchemaError,
    XmlSyntaxError,
    XmlWriteError,
)
from mappers.xml.shapes import NAMESPACE

__all__ = [
    "DOCUMENT_TYPES",
    "NAMESPACE",
    "ROOTS",
    "XSD_PATH",
    "CanonicalDocument",
    "XmlError",
    "XmlForbiddenError",
    "XmlProblem",
    "XmlSchemaError",
    "XmlSyntaxError",
    "XmlWriteError",
    "from_xml",
    "to_xml",
]
