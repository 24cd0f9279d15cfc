"""Fabrikam's AS2 server for the send tests: a real HTTP server on loopback that opens each message with openssl
(decrypt, verify) and answers with an MDN signed by openssl, synchronously or posted back later; `script` makes
it misbehave first (answer 500, or report a wrong MIC)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from tests.transports.as2.openssl_partner import OpensslPartner, entity


@dataclass
class Received:
    headers: dict[str, str]
    signed_part: bytes
    payload: bytes
    mic: str  # openssl dgst over the signed part, with the hash the sender asked for


@dataclass
class PartnerServer:
    partner: OpensslPartner
    # "500", "wrong-mic", "negative", "no-mdn" (an asynchronous MDN that never comes); then it answers properly
    script: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    async_posts: list[httpx.Response] = field(default_factory=list)

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        behaviour = self.script.pop(0) if self.script else "ok"
        if behaviour == "500":
            return 500, {}, b"temporarily broken"
        signed_part, payload = self.partner.open_message(headers["content-type"], body)
        options = headers.get("disposition-notification-options", "")
        hash_name = options.rsplit(",", 1)[-1].strip().replace("-", "") if options else "sha256"
        mic = self.partner.mic(signed_part, hash_name)
        self.received.append(Received(headers, signed_part, payload, mic))
        reported = "AAAA" + mic[4:] if behaviour == "wrong-mic" else mic
        disposition = "processed/error: decryption-failed" if behaviour == "negative" else "processed"
        content_type, mdn = self.mdn(headers["message-id"], f"{reported}, {hash_name.replace('sha', 'sha-')}",
                                     disposition)
        mdn_headers = {"Content-Type": content_type, "AS2-From": self.partner.as2_id,
                       "AS2-To": headers["as2-from"], "AS2-Version": "1.2",
                       "Message-ID": f"<{uuid.uuid4().hex}@fabrikam>"}
        url = headers.get("receipt-delivery-option")
        if url and behaviour == "no-mdn":
            return 200, {}, b""
        if url:
            threading.Thread(target=self._post_later, args=(url, mdn_headers, mdn), daemon=True).start()
            return 200, {}, b""
        return 200, mdn_headers, mdn

    def _post_later(self, url: str, headers: dict[str, str], body: bytes) -> None:
        self.async_posts.append(httpx.post(url, headers=headers, content=body, timeout=30))

    def mdn(self, original_message_id: str, mic: str, disposition: str) -> tuple[str, bytes]:
        notification = entity([("Content-Type", "message/disposition-notification")], (
            f"Reporting-UA: fabrikam\r\nOriginal-Recipient: rfc822; {self.partner.as2_id}\r\n"
            f"Final-Recipient: rfc822; {self.partner.as2_id}\r\nOriginal-Message-ID: {original_message_id}\r\n"
            f"Disposition: automatic-action/MDN-sent-automatically; {disposition}\r\n"
            f"Received-Content-MIC: {mic}\r\n").encode())
        text = entity([("Content-Type", "text/plain")], b"Received.\r\n")
        body = (b"--r1\r\n" + text + b"\r\n--r1\r\n" + notification + b"\r\n--r1--\r\n")
        report = entity([("Content-Type", 'multipart/report; report-type=disposition-notification; boundary="r1"')],
                        body)
        return self.partner.sign_mdn(report)


@contextmanager
def partner_server(server: PartnerServer, url: str) -> Iterator[PartnerServer]:
    port = int(url.rsplit(":", 1)[1].split("/", 1)[0])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status, headers, answer = server.answer({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        http.shutdown()
        http.server_close()
