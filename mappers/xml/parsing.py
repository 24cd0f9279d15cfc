"""Parsing untrusted XML: no DOCTYPE, no entity expansion, no DTD loading, no network, no huge trees.

A DOCTYPE is refused before the document is parsed for real (its internal subset is where billion-laughs
and XXE entities are declared), and the real parse runs with every libxml2 feature that could expand or
fetch something switched off, so that a DOCTYPE slipping past the first check would still expand nothing.
"""

from __future__ import annotations

import contextlib
from typing import Any

from lxml import etree

from mappers.xml.errors import XmlForbiddenError, XmlProblem, XmlSyntaxError


class _StopParsing(Exception):
    pass


class _DoctypeSpotter:
    """A parser target that reads only the prolog: it stops at the DOCTYPE, or at the root element."""

    def __init__(self) -> None:
        self.doctype_name: str | None = None

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        self.doctype_name = name or "?"
        raise _StopParsing

    def start(self, tag: str, attrib: Any, nsmap: Any = None) -> None:
        raise _StopParsing

    def end(self, tag: str) -> None:
        pass

    def data(self, data: str) -> None:
        pass

    def close(self) -> None:
        pass


def _refuse_doctype(data: bytes) -> None:
    # Decided before the document is parsed for real, so that its internal subset (where billion-laughs and
    # XXE entities are declared) is never processed: the spotter stops at "<!DOCTYPE name".
    spotter = _DoctypeSpotter()
    parser = etree.XMLParser(target=spotter, resolve_entities=False, no_network=True, load_dtd=False)
    # A syntax error is left to the real parse, which reports it with its line.
    with contextlib.suppress(_StopParsing, etree.XMLSyntaxError):
        etree.fromstring(data, parser)
    if spotter.doctype_name is not None:
        raise XmlForbiddenError(
            "DOCTYPE refused",
            [XmlProblem(None, f"canonical XML must not carry a DOCTYPE (found <!DOCTYPE {spotter.doctype_name}>), "
                        "DTD or entity declarations; nothing in it was expanded or fetched")],
        )


def parse_safely(data: bytes) -> Any:
    """The document in `data` as an lxml ElementTree; XmlForbiddenError for a DOCTYPE, XmlSyntaxError
    (with lines) for XML that is not well-formed."""
    _refuse_doctype(data)
    # No entity substitution, no DTD loading, no network, no huge trees: even if a DOCTYPE got past the
    # check above, none of its entities would be expanded, and it would be refused below.
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as exc:
        # The parser's own log: the exception's log is shared by the thread and holds earlier documents' errors.
        problems = [XmlProblem(entry.line or None, entry.message) for entry in parser.error_log] or [
            XmlProblem(exc.lineno, exc.msg)
        ]
        raise XmlSyntaxError("not well-formed XML", problems) from exc
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise XmlForbiddenError(
            "DOCTYPE refused",
            [XmlProblem(None, "canonical XML must not carry a DOCTYPE, DTD or entity declarations; "
                        "nothing in it was expanded or fetched")],
        )
    entity = next(tree.iter(etree.Entity), None)  # an unexpanded reference: only possible with a DOCTYPE
    if entity is not None:
        raise XmlForbiddenError(
            "entity reference refused", [XmlProblem(entity.sourceline, f"entity reference {entity.text}")]
        )
    return tree
