"""Sending over AS2: the adapter on the transport seam (`send(name, data)`).

The Message-ID is derived from the name and the bytes, so a retry of the same delivery is the same AS2 message
and a receiver that keeps its MDNs answers it without processing it twice. A synchronous MDN is verified here
(signature with the partner's pinned certificate, the original Message-ID, the MIC we computed): a wrong MIC or
a missing MDN is worth another try, a negative disposition is not. With an asynchronous MDN, `send` returns a
pending receipt and the MDN arrives later at `POST /as2`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from email.utils import formatdate

import httpx

from transports.as2 import client, mdn
from transports.as2.config import As2Config
from transports.as2.errors import As2Failure
from transports.as2.message import Identity, load_certificate, mic_header_name, pack
from transports.base import Receipt
from transports.errors import TransportRejected, TransportRetryable


@dataclass(frozen=True)
class As2Receipt(Receipt):
    as2_message_id: str = ""
    mic: str = ""
    mic_hash: str = ""
    disposition: str | None = None  # None: the MDN comes later (asynchronous)


class As2Transport:
    kind = "as2"

    def __init__(self, config: As2Config, identity: Identity, timeout: float = 120) -> None:
        self.config = config
        self.identity = identity
        self.partner_certificate = load_certificate(config.certificate)
        self.timeout = timeout
        self._http: httpx.Client | None = None

    @property
    def http(self) -> httpx.Client:
        """Made on first use and kept: its connections and TLS context are reused from message to message."""
        if self._http is None:
            self._http = httpx.Client(timeout=self.timeout)
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def message_id(self, name: str, data: bytes) -> str:
        digest = hashlib.sha256(name.encode() + b"\0" + data).hexdigest()[:40]
        return f"<{digest}@{self.identity.as2_id.replace(' ', '_')}>"

    def send(self, name: str, data: bytes) -> As2Receipt:
        config = self.config
        packed = pack(data, filename=name, identity=self.identity, partner=self.partner_certificate,
                      sign=config.sign, encrypt=config.encrypt, compress=config.compress)
        message_id = self.message_id(name, data)
        headers = {"AS2-Version": "1.2", "AS2-From": self.identity.as2_id, "AS2-To": config.as2_id,
                   "Message-ID": message_id, "Subject": name, "Date": formatdate(usegmt=True),
                   "MIME-Version": "1.0", "Content-Type": packed.content_type,
                   "Disposition-Notification-To": self.identity.as2_id}
        if config.mdn_signed:
            headers["Disposition-Notification-Options"] = (
                "signed-receipt-protocol=optional, pkcs7-signature; "
                f"signed-receipt-micalg=optional, {mic_header_name(packed.mic_hash)}")
        if config.mdn == "async":
            if not config.mdn_url:
                raise TransportRejected(f"AS2 partner {config.as2_id}: mdn = \"async\" needs mdn_url, the "
                                        "gateway's /as2 address the partner posts the MDN to")
            headers["Receipt-Delivery-Option"] = config.mdn_url
        response = client.post(config.url, headers, packed.body, self.timeout, f"AS2 message {name}", self.http)
        receipt = As2Receipt(name, config.url, len(data), hashlib.sha256(data).hexdigest(),
                             as2_message_id=message_id, mic=packed.mic, mic_hash=packed.mic_hash)
        if config.mdn == "async":
            return receipt
        return self._checked(receipt, response.headers.get("content-type", ""), response.content)

    def _checked(self, receipt: As2Receipt, content_type: str, body: bytes) -> As2Receipt:
        where = f"AS2 message {receipt.name} ({receipt.as2_message_id}) to {self.config.as2_id}"
        if not body:
            raise TransportRetryable(f"{where}: no MDN came back; it will be sent again")
        try:
            answer = check_mdn(content_type, body, self, receipt.as2_message_id, receipt.mic)
        except As2Failure as failure:
            raise TransportRetryable(f"{where}: the MDN is not acceptable ({failure.reason}); it will be sent "
                                     "again") from failure
        if not answer.positive:
            raise TransportRejected(f"{where}: the partner answered \"{answer.disposition}\"; check the "
                                    f"certificates ({self.config.certificate} and the gateway's) and the settings")
        return replace(receipt, disposition=answer.disposition)


def check_mdn(content_type: str, body: bytes, transport: As2Transport, message_id: str, mic: str) -> mdn.Received:
    """Read and check an MDN for one of our messages: signed as asked, answering it, with our MIC if positive."""
    answer = mdn.parse(content_type, body, transport.partner_certificate)
    if transport.config.mdn_signed and not answer.signed:
        raise As2Failure("insufficient-message-security", "the MDN is not signed, but we asked for a signed one")
    if answer.original_message_id != message_id:
        raise As2Failure("unexpected-processing-error", f"the MDN answers {answer.original_message_id}, not "
                                                        f"{message_id}")
    if answer.positive and answer.mic != mic:
        raise As2Failure("integrity-check-failed", f"the MDN's MIC {answer.mic} is not the {mic} we computed: "
                                                   "the partner did not receive what we sent")
    return answer
