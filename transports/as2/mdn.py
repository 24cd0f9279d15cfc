"""Message Disposition Notifications (RFC 8098, RFC 4130 section 7.4): what we answer and what partners answer.

An MDN we send is built once, signed over the exact bytes put on the wire and kept whole (headers and body), so
a repeated message is answered byte for byte with the original.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography import x509

from transports.as2 import cms, mime
from transports.as2.errors import As2Failure
from transports.as2.message import Identity, mic_algorithm, mic_header_name, sign_entity

PROCESSED = "automatic-action/MDN-sent-automatically; processed"


@dataclass(frozen=True)
class Requested:
    """What the sender asked for in its headers."""

    signed: bool
    mic_hash: str | None  # the first algorithm we support from its signed-receipt-micalg list
    unsupported_required: str | None  # a required option we cannot honour, for "failed/Failure: unsupported"
    async_url: str | None


def requested(options: str | None, receipt_delivery: str | None) -> Requested:
    """Parse Disposition-Notification-Options, e.g. `signed-receipt-protocol=optional, pkcs7-signature;
    signed-receipt-micalg=optional, sha-256, sha-1`."""
    signed, mic_hash, unsupported = False, None, None
    for option in (options or "").split(";"):
        name, _, values = option.partition("=")
        importance, *choices = [v.strip() for v in values.split(",")] or [""]
        name = name.strip().lower()
        if name == "signed-receipt-protocol":
            signed = any(c.lower() == "pkcs7-signature" for c in choices)
        elif name == "signed-receipt-micalg":
            supported = [h for h in (mic_algorithm(c) for c in choices) if h]
            mic_hash = supported[0] if supported else None
            if not supported and importance.lower() == "required":
                unsupported = f"MIC-algorithms {', '.join(choices)}"
    return Requested(signed, mic_hash, unsupported, (receipt_delivery or "").strip() or None)


@dataclass(frozen=True)
class Outgoing:
    """An MDN ready to send: the HTTP headers and the exact body."""

    headers: dict[str, str]
    body: bytes

    def raw(self) -> bytes:
        """Headers and body in one blob, stored so a repeat is answered identically."""
        return mime.entity(sorted(self.headers.items()), self.body)

    @staticmethod
    def from_raw(raw: bytes) -> Outgoing:
        head, _, body = raw.partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(": ")
            headers[name] = value
        return Outgoing(headers, body)


def build(*, identity: Identity, partner_as2_id: str, original_message_id: str, disposition: str,
          mic: tuple[str, str] | None, explanation: str, request: Requested, hostname: str = "gateway") -> Outgoing:
    """An MDN from us to the partner; `disposition` is e.g. PROCESSED or PROCESSED + '/error: decryption-failed'.
    `mic` is (base64 digest, hash name)."""
    fields = [f"Reporting-UA: {hostname}", f"Original-Recipient: rfc822; {identity.as2_id}",
              f"Final-Recipient: rfc822; {identity.as2_id}", f"Original-Message-ID: {original_message_id}",
              f"Disposition: {disposition}"]
    if mic is not None:
        fields.append(f"Received-Content-MIC: {mic[0]}, {mic_header_name(mic[1])}")
    notification = mime.entity([("Content-Type", "message/disposition-notification"),
                                ("Content-Transfer-Encoding", "7bit")], ("\r\n".join(fields) + "\r\n").encode())
    text = mime.entity([("Content-Type", "text/plain; charset=us-ascii"), ("Content-Transfer-Encoding", "7bit")],
                       (explanation.encode("ascii", "replace") + b"\r\n"))
    report_type, report_body = mime.multipart("report", [text, notification], f"mdn-{secrets.token_hex(12)}",
                                              report_type="disposition-notification")
    report = mime.entity([("Content-Type", report_type)], report_body)
    if request.signed:
        report = sign_entity(report, identity, _signing_hash(request.mic_hash))
    top = mime.parse(report)
    headers = {"AS2-Version": "1.2", "AS2-From": _quoted(identity.as2_id), "AS2-To": _quoted(partner_as2_id),
               "Message-ID": f"<{secrets.token_hex(16)}@{hostname}>", "MIME-Version": "1.0",
               "Content-Type": top.headers["content-type"]}
    return Outgoing(headers, top.body)


def _signing_hash(mic_hash: str | None) -> str:
    """Sign the MDN with the hash the sender asked for its MIC, or SHA-256 where that is SHA-1 (never signed)."""
    return mic_hash if mic_hash in cms.SIGNING_HASHES else "sha256"


def _quoted(as2_id: str) -> str:
    return f'"{as2_id}"' if any(c in as2_id for c in ' "\\') else as2_id


@dataclass(frozen=True)
class Received:
    """An MDN a partner sent us, its signature checked."""

    original_message_id: str
    disposition: str
    mic: str | None
    mic_hash: str | None
    signed: bool

    @property
    def positive(self) -> bool:
        status = self.disposition.split(";", 1)[-1].strip().lower()
        return status.startswith("processed") and "/error" not in status and "failure" not in status


def parse(content_type: str, body: bytes, partner: x509.Certificate | None) -> Received:
    """Read an MDN (signed or not); a signed one is verified with the partner's pinned certificate."""
    entity = mime.Entity({"content-type": content_type}, body, b"")
    signed = False
    if entity.content_type == "multipart/signed":
        found = mime.parts(body, entity.param("boundary") or "")
        if len(found) != 2 or partner is None:
            raise As2Failure("integrity-check-failed", "a signed MDN without two parts, or no partner certificate")
        cms.verify(found[0], mime.parse(found[1]).decoded_body(), partner)
        entity, signed = mime.parse(found[0]), True
    if entity.content_type != "multipart/report":
        raise As2Failure("unexpected-processing-error", f"an MDN is multipart/report, not {entity.content_type}")
    for part in mime.parts(entity.body, entity.param("boundary") or ""):
        inner = mime.parse(part)
        if inner.content_type == "message/disposition-notification":
            fields = mime.parse_headers(inner.decoded_body().decode("latin-1"))
            mic, _, alg = fields.get("received-content-mic", "").partition(",")
            return Received(fields.get("original-message-id", "").strip(), fields.get("disposition", ""),
                            mic.strip() or None, mic_algorithm(alg) if alg else None, signed)
    raise As2Failure("unexpected-processing-error", "the MDN has no message/disposition-notification part")


def is_mdn(content_type: str, body: bytes) -> bool:
    """Whether a body posted to /as2 is an MDN (a report, signed or not) rather than a message."""
    kind, params = mime.content_type(content_type)
    if kind == "multipart/report":
        return True
    if kind == "multipart/signed":
        found = mime.parts(body, params.get("boundary", ""))
        return bool(found) and mime.parse(found[0]).content_type == "multipart/report"
    return False
