"""The trading partner's side of AS2, played by the `openssl cms` command line: an implementation independent of
ours signs, compresses, encrypts, verifies and decrypts. Only the MIME framing (headers, boundaries) is written
here, by hand, so that the test knows the exact bytes that were signed."""

from __future__ import annotations

import base64
import re
import subprocess
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path

KEY_TRANSPORT = {
    "pkcs1": [],
    "oaep-sha1": ["-keyopt", "rsa_padding_mode:oaep"],
    "oaep-sha256": ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256"],
    "oaep-sha512": ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha512"],
}
CIPHERS = {"aes128_cbc": "-aes-128-cbc", "aes192_cbc": "-aes-192-cbc", "aes256_cbc": "-aes-256-cbc",
           "aes128_gcm": "-aes-128-gcm", "aes256_gcm": "-aes-256-gcm"}
UNSUPPORTED_CIPHERS = {"camellia128_cbc": "-camellia-128-cbc"}


def openssl(*args: str, cwd: Path, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(["openssl", *args], cwd=cwd, input=stdin, capture_output=True, timeout=30)
    if done.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def make_key_pair(directory: Path, name: str) -> tuple[Path, Path]:
    """A throwaway RSA key and self-signed certificate, made by openssl."""
    key, cert = directory / f"{name}.key", directory / f"{name}.crt"
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
            "-subj", f"/CN={name}", cwd=directory)
    return key, cert


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    length = bytes([size]) if size < 0x80 else bytes([0x80 | (n := (size.bit_length() + 7) // 8)]) + size.to_bytes(n)
    return bytes([tag]) + length + content


def compressed_data(content: bytes) -> bytes:
    """RFC 3274 CompressedData (zlib), DER written out by hand: this machine's openssl is built without zlib, so
    `openssl cms -compress` cannot play the partner here, and the gateway's own encoder must not check itself."""
    oid_compressed_data = bytes.fromhex("060b2a864886f70d0109100109")  # 1.2.840.113549.1.9.16.1.9
    oid_zlib = bytes.fromhex("060b2a864886f70d0109100308")  # 1.2.840.113549.1.9.16.3.8
    oid_data = bytes.fromhex("06092a864886f70d010701")  # 1.2.840.113549.1.7.1
    encapsulated = _der(0x30, oid_data + _der(0xA0, _der(0x04, zlib.compress(content))))
    compressed = _der(0x30, _der(0x02, b"\0") + _der(0x30, oid_zlib) + encapsulated)
    return _der(0x30, oid_compressed_data + _der(0xA0, compressed))


def _tlv(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, where the value starts, where it ends) of the DER element at `at`."""
    tag, size, start = data[at], data[at + 1], at + 2
    if size & 0x80:
        count = size & 0x7F
        size, start = int.from_bytes(data[start:start + count]), start + count
    return tag, start, start + size


def inflate(der: bytes) -> bytes:
    """The content of RFC 3274 CompressedData, read by hand (ContentInfo / [0] / CompressedData: version,
    algorithm, encapsulated content / [0] / OCTET STRING) and inflated with zlib."""
    _, at, _ = _tlv(der, 0)  # ContentInfo
    _, _, at = _tlv(der, at)  # skip the content type
    _, at, _ = _tlv(der, at)  # [0]
    _, at, _ = _tlv(der, at)  # CompressedData
    for _ in range(2):  # skip version and algorithm
        _, _, at = _tlv(der, at)
    _, at, _ = _tlv(der, at)  # EncapsulatedContentInfo
    _, _, at = _tlv(der, at)  # skip its content type
    _, at, _ = _tlv(der, at)  # [0]
    _, start, end = _tlv(der, at)  # OCTET STRING
    return zlib.decompress(der[start:end])


def entity(headers: list[tuple[str, str]], body: bytes) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in headers).encode() + b"\r\n" + body


@dataclass(frozen=True)
class Built:
    headers: dict[str, str]
    body: bytes
    signed_part: bytes | None  # the exact bytes the MIC must be computed over
    message_id: str


@dataclass
class OpensslPartner:
    work: Path
    key: Path
    cert: Path
    gateway_cert: Path
    as2_id: str = "FABRIKAM-AS2"
    gateway_as2_id: str = "GATEWAY-AS2"

    def _file(self, data: bytes) -> str:
        path = self.work / f"f-{uuid.uuid4().hex}"
        path.write_bytes(data)
        return str(path)

    def build(self, payload: bytes, *, sign: str | None = "sha256", cipher: str | None = "aes256_cbc",
              key_transport: str = "pkcs1", compress: bool = False, mic_alg: str = "sha-256",
              receipt_url: str | None = None, message_id: str | None = None, pss: bool = False) -> Built:
        current = entity([("Content-Type", "application/edi-x12"), ("Content-Transfer-Encoding", "binary")],
                         payload)
        if compress:
            der = compressed_data(current)
            current = entity([("Content-Type", "application/pkcs7-mime; smime-type=compressed-data"),
                              ("Content-Transfer-Encoding", "binary")], der)
        signed_part = None
        if sign:
            signed_part = current
            padding = ["-keyopt", "rsa_padding_mode:pss"] if pss else []
            der = openssl("cms", "-sign", "-binary", "-in", self._file(current), "-signer", str(self.cert),
                          "-inkey", str(self.key), "-md", sign, *padding, "-outform", "DER", cwd=self.work)
            signature = entity([("Content-Type", 'application/pkcs7-signature; name="smime.p7s"'),
                                ("Content-Transfer-Encoding", "base64")],
                               base64.encodebytes(der).replace(b"\n", b"\r\n"))
            boundary = f"b-{uuid.uuid4().hex}"
            body = (f"--{boundary}\r\n".encode() + current + f"\r\n--{boundary}\r\n".encode() + signature
                    + f"\r\n--{boundary}--\r\n".encode())
            current = entity([("Content-Type", f'multipart/signed; protocol="application/pkcs7-signature"; '
                                               f'micalg={sign.replace("sha", "sha-")}; boundary="{boundary}"')], body)
        if cipher:
            option = {**CIPHERS, **UNSUPPORTED_CIPHERS}[cipher]
            der = openssl("cms", "-encrypt", "-binary", option, "-in", self._file(current), "-outform",
                          "DER", "-recip", str(self.gateway_cert), *KEY_TRANSPORT[key_transport], cwd=self.work)
            current = entity([("Content-Type", 'application/pkcs7-mime; smime-type=enveloped-data; '
                                               'name="smime.p7m"')], der)
        head, _, body = current.partition(b"\r\n\r\n")
        message_id = message_id or f"<{uuid.uuid4().hex}@{self.as2_id}>"
        headers = {"AS2-Version": "1.2", "AS2-From": self.as2_id, "AS2-To": self.gateway_as2_id,
                   "Message-ID": message_id, "Content-Type": head.decode().split(": ", 1)[1],
                   "Disposition-Notification-To": "edi@fabrikam.example",
                   "Disposition-Notification-Options": f"signed-receipt-protocol=optional, pkcs7-signature; "
                                                       f"signed-receipt-micalg=optional, {mic_alg}"}
        if receipt_url:
            headers["Receipt-Delivery-Option"] = receipt_url
        return Built(headers, body, signed_part, message_id)

    def mic(self, data: bytes, algorithm: str = "sha256") -> str:
        """The MIC as openssl dgst computes it over the exact bytes."""
        digest = openssl("dgst", f"-{algorithm}", "-binary", cwd=self.work, stdin=data)
        return base64.b64encode(digest).decode()

    def verify_signed(self, content_type: str, body: bytes, signer_cert: Path) -> bytes:
        """Verify a multipart/signed body with openssl as a detached signature over the first part's exact
        bytes; return those bytes. (openssl's own S/MIME reader keeps a stray CR of the CRLF before the boundary
        in -binary mode, so the parts are cut here, by RFC 2046, and openssl checks the signature.)"""
        boundary = re.search(r'boundary="?([^";]+)"?', content_type)
        assert boundary is not None and content_type.startswith("multipart/signed"), content_type
        delimiter = b"\r\n--" + boundary.group(1).encode()
        first, signature = (b"\r\n" + body).split(delimiter)[1:3]
        content, signature = first.removeprefix(b"\r\n"), signature.removeprefix(b"\r\n")
        der = base64.b64decode(signature.partition(b"\r\n\r\n")[2])
        openssl("cms", "-verify", "-binary", "-inform", "DER", "-in", self._file(der), "-content",
                self._file(content), "-CAfile", str(signer_cert), "-purpose", "any", "-out", "/dev/null",
                cwd=self.work)
        return content

    def read_mdn(self, content_type: str, body: bytes) -> dict[str, str]:
        """Verify a signed MDN with openssl against the gateway's certificate; return its disposition fields."""
        report = self.verify_signed(content_type, body, self.gateway_cert)
        fields = re.findall(rb"^([A-Za-z-]+): ?(.*?)\r?$", report, flags=re.M)
        return {k.decode().lower(): v.decode() for k, v in fields}

    def open_message(self, content_type: str, body: bytes) -> tuple[bytes, bytes]:
        """Decrypt and verify a message the gateway sent: (the signed part's exact bytes, the payload)."""
        assert "enveloped-data" in content_type, content_type
        signed = openssl("cms", "-decrypt", "-binary", "-inform", "DER", "-in", self._file(body),
                         "-inkey", str(self.key), "-recip", str(self.cert), cwd=self.work)
        head, _, signed_body = signed.partition(b"\r\n\r\n")
        content = self.verify_signed(head.decode().split(": ", 1)[1], signed_body, self.gateway_cert)
        content_head, _, payload = content.partition(b"\r\n\r\n")
        if b"compressed-data" in content_head:
            payload = inflate(payload).partition(b"\r\n\r\n")[2]
        return content, payload

    def sign_mdn(self, report: bytes) -> tuple[str, bytes]:
        """An MDN signed by openssl (multipart/signed, as the gateway receives it): (content type, body)."""
        der = openssl("cms", "-sign", "-binary", "-in", self._file(report), "-signer", str(self.cert),
                      "-inkey", str(self.key), "-md", "sha256", "-outform", "DER", cwd=self.work)
        signature = entity([("Content-Type", "application/pkcs7-signature"), ("Content-Transfer-Encoding",
                                                                               "base64")],
                           base64.encodebytes(der).replace(b"\n", b"\r\n"))
        boundary = f"m-{uuid.uuid4().hex}"
        body = (f"--{boundary}\r\n".encode() + report + f"\r\n--{boundary}\r\n".encode() + signature
                + f"\r\n--{boundary}--\r\n".encode())
        return (f'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; '
                f'boundary="{boundary}"'), body
