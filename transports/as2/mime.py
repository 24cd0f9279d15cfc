"""MIME entities kept as exact bytes: a signature and its MIC cover the signed part byte for byte, so parts are
cut out of the raw message at their boundaries, never parsed and re-serialised.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from dataclasses import dataclass
from email.message import Message

from transports.as2.errors import UNEXPECTED_ERROR, As2Failure

_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class Entity:
    """A MIME entity: its headers (names lower-cased) and body, and the raw bytes they came from."""

    headers: dict[str, str]
    body: bytes
    raw: bytes

    @property
    def content_type(self) -> str:
        return content_type(self.headers.get("content-type", "text/plain"))[0]

    def param(self, name: str) -> str | None:
        return content_type(self.headers.get("content-type", ""))[1].get(name)

    @property
    def filename(self) -> str | None:
        """The file name the sender gave in Content-Disposition, if any (never used as a local path)."""
        message = Message()
        message["content-disposition"] = self.headers.get("content-disposition", "")
        value = message.get_param("filename", header="content-disposition")
        return value if isinstance(value, str) else None

    def with_encoding(self, encoding: str) -> Entity:
        return Entity({**self.headers, "content-transfer-encoding": encoding}, self.body, self.raw)

    def decoded_body(self) -> bytes:
        encoding = self.headers.get("content-transfer-encoding", "binary").strip().lower()
        try:
            if encoding == "base64":
                return base64.b64decode(self.body)
            if encoding == "quoted-printable":
                return quopri.decodestring(self.body)
        except (binascii.Error, ValueError) as e:
            raise As2Failure(UNEXPECTED_ERROR, f"the {encoding} body cannot be decoded: {e}") from e
        return self.body


def content_type(value: str) -> tuple[str, dict[str, str]]:
    """('multipart/signed', {'boundary': ..., 'micalg': ...}) from a Content-Type header value."""
    message = Message()
    message["content-type"] = value
    params = {str(k).lower(): str(v) for k, v in message.get_params(failobj=[])[1:]}
    return message.get_content_type(), params


def parse(raw: bytes) -> Entity:
    """An entity from headers, an empty line and a body (CRLF or LF line ends)."""
    match = _HEADER_END.search(raw)
    if match is None:
        head, body = raw, b""
    else:
        head, body = raw[: match.start()], raw[match.end():]
    return Entity(parse_headers(head.decode("latin-1")), body, raw)


def parse_headers(text: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    name = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line[:1] in (" ", "\t") and name:  # a folded continuation
            headers[name] += " " + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            name = key.strip().lower()
            headers[name] = value.strip()
    return headers


def entity(headers: list[tuple[str, str]], body: bytes) -> bytes:
    """Serialise headers and body with CRLF line ends."""
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return head.encode("latin-1") + b"\r\n" + body


def parts(body: bytes, boundary: str) -> list[bytes]:
    """The raw bytes of each part of a multipart body. The CRLF before a delimiter belongs to the delimiter
    (RFC 2046 section 5.1.1), so a signed part's bytes end where its content ends. (Found with bytes.find: a
    regular expression with an optional line end before the delimiter takes seconds on a 5 MB body.)"""
    delimiter = b"--" + boundary.encode("latin-1")
    starts: list[int] = []
    at = body.find(delimiter)
    while at >= 0:
        if at == 0 or body[at - 1:at] == b"\n":  # a delimiter opens a line
            starts.append(at)
        at = body.find(delimiter, at + len(delimiter))
    found: list[bytes] = []
    for start, end in zip(starts, starts[1:], strict=False):
        piece = body[start + len(delimiter):end]
        if piece.startswith(b"--"):  # the close delimiter: the epilogue follows
            break
        line_end = piece.find(b"\n")
        piece = piece[line_end + 1:] if line_end >= 0 else b""
        found.append(piece[:-2] if piece.endswith(b"\r\n") else piece[:-1] if piece.endswith(b"\n") else piece)
    return found


def multipart(subtype: str, part_bytes: list[bytes], boundary: str, **params: str) -> tuple[str, bytes]:
    """A multipart body and its Content-Type value."""
    delimiter = b"--" + boundary.encode("latin-1")
    body = b"".join(delimiter + b"\r\n" + part + b"\r\n" for part in part_bytes) + delimiter + b"--\r\n"
    extra = "".join(f'; {name.replace("_", "-")}="{value}"' for name, value in params.items())
    return f'multipart/{subtype}; boundary="{boundary}"{extra}', body
