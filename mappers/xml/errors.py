"""Errors of the canonical XML mapping.

    MapperError (mappers.errors)
    └── XmlError                 the XML is not a canonical document we accept; retrying will not help
        ├── XmlSyntaxError       not well-formed XML
        ├── XmlForbiddenError    a DOCTYPE or entity declaration: refused before anything is expanded
        ├── XmlSchemaError       well-formed but not valid against schemas/xml/canonical.xsd
        └── XmlWriteError        a canonical document XML cannot carry (e.g. a control character in a text)

Every error carries its problems as data (line when known, message), and its text lists them all, one per
line, so an operator sees at once where a partner's document is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from mappers.errors import MapperError


@dataclass(frozen=True)
class XmlProblem:
    """One thing wrong with a document: where (1-based line, when known) and what."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class XmlError(MapperError):
    """The XML is not a canonical document we accept. The input is wrong: retrying will not help."""

    def __init__(self, summary: str, problems: Iterable[XmlProblem] = ()) -> None:
        self.summary = summary
        self.problems = tuple(problems)
        text = summary if not self.problems else summary + ":\n" + "\n".join(f"  {p}" for p in self.problems)
        super().__init__(text)


class XmlSyntaxError(XmlError):
    """Not well-formed XML."""


class XmlForbiddenError(XmlError):
    """A DOCTYPE, DTD or entity declaration: canonical XML never needs one, and it is how XXE and
    entity-expansion attacks arrive."""


class XmlSchemaError(XmlError):
    """Well-formed XML that is not a valid canonical document."""


class XmlWriteError(XmlError):
    """A canonical document that cannot be written as valid canonical XML."""
