"""An AS2 message body both ways: payload -> (compressed) -> signed -> encrypted, and back, with its MIC.

RFC 4130 section 7.3.1: the MIC of a signed message is computed over the signed MIME part's exact bytes,
headers included; of an unsigned one, over the content that was encrypted (headers included) or sent.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from transports.as2 import cms, mime
from transports.as2.errors import (
    DECOMPRESSION_FAILED,
    DECRYPTION_FAILED,
    INSUFFICIENT_SECURITY,
    INTEGRITY_CHECK_FAILED,
    UNEXPECTED_ERROR,
    As2Failure,
)

_NESTING = 4  # encryption, signature, compression and the payload: deeper is a malformed or hostile message


@dataclass(frozen=True)
class Identity:
    """The gateway's own AS2 key pair (decrypts what partners send, signs our messages and MDNs)."""

    as2_id: str
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate


def load_certificate(path: Path) -> x509.Certificate:
    data = path.read_bytes()
    cert = x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else x509.load_der_x509_certificate(data)
    if not isinstance(cert.public_key(), rsa.RSAPublicKey):
        raise ValueError(f"{path}: not an RSA certificate; AS2 partners use RSA")
    return cert


def load_identity(as2_id: str, key_path: Path, cert_path: Path) -> Identity:
    key = load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{key_path}: not an RSA private key; AS2 needs RSA")
    return Identity(as2_id, key, load_certificate(cert_path))


def mic_algorithm(name: str) -> str | None:
    """Our hash name for a micalg header value ('sha-256', 'sha256', 'SHA256'), or None if unsupported."""
    normalised = name.strip().lower().replace("-", "")
    return normalised if normalised in cms.HASHES else None


def mic_header_name(hash_name: str) -> str:
    return "sha-" + hash_name[3:] if hash_name != "sha1" else "sha1"


def mic_of(data: bytes, hash_name: str) -> str:
    return base64.b64encode(cms.digest(hash_name, data)).decode("ascii")


# -- sending -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Packed:
    content_type: str
    body: bytes
    mic: str  # base64 of the digest, as the MDN's Received-Content-MIC should carry it
    mic_hash: str


def pack(payload: bytes, *, filename: str, identity: Identity, partner: x509.Certificate, sign: str | None,
         encrypt: str | None, compress: bool = False, payload_type: str = "application/edi-x12") -> Packed:
    # Binary transfer encoding: an X12 interchange must arrive byte-identical (no CRLF rewriting in transit).
    current = mime.entity([("Content-Type", payload_type), ("Content-Transfer-Encoding", "binary"),
                           ("Content-Disposition", f'attachment; filename="{filename}"')], payload)
    if compress:
        current = _smime_entity("compressed-data", "smime.p7z", cms.compress(current))
    mic_hash = sign or "sha256"
    mic = mic_of(current, mic_hash)  # unsigned: over the entity as sent (or encrypted)
    if sign is not None:
        signature = _smime_signature(cms.sign(current, identity.key, identity.certificate, sign))
        current = _signed_entity(current, signature, sign)
    if encrypt is not None:
        current = _smime_entity("enveloped-data", "smime.p7m", cms.encrypt(current, partner, encrypt))
    top = mime.parse(current)
    return Packed(top.headers["content-type"], top.body, mic, mic_hash)


def sign_entity(entity_bytes: bytes, identity: Identity, hash_name: str) -> bytes:
    """A multipart/signed entity around `entity_bytes` (used for MDNs, signed over the exact bytes sent)."""
    signature = _smime_signature(cms.sign(entity_bytes, identity.key, identity.certificate, hash_name))
    return _signed_entity(entity_bytes, signature, hash_name)


def _signed_entity(content: bytes, signature: bytes, hash_name: str) -> bytes:
    value, body = mime.multipart("signed", [content, signature], f"as2-{secrets.token_hex(12)}",
                                 protocol="application/pkcs7-signature", micalg=mic_header_name(hash_name))
    return mime.entity([("Content-Type", value)], body)


def _smime_signature(der: bytes) -> bytes:
    return mime.entity([("Content-Type", 'application/pkcs7-signature; name="smime.p7s"'),
                        ("Content-Transfer-Encoding", "base64"),
                        ("Content-Disposition", 'attachment; filename="smime.p7s"')],
                       base64.encodebytes(der).replace(b"\n", b"\r\n"))


def _smime_entity(smime_type: str, name: str, der: bytes) -> bytes:
    return mime.entity([("Content-Type", f'application/pkcs7-mime; smime-type={smime_type}; name="{name}"'),
                        ("Content-Transfer-Encoding", "binary"),
                        ("Content-Disposition", f'attachment; filename="{name}"')], der)


# -- receiving -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Unpacked:
    payload: bytes
    payload_type: str
    filename: str | None
    mic: str
    mic_hash: str
    signed: bool
    encrypted: bool
    compressed: bool


def unpack(content_type: str, body: bytes, *, identity: Identity, partner: x509.Certificate, mic_hash: str,
           require_signed: bool = False, require_encrypted: bool = False,
           transfer_encoding: str | None = None) -> Unpacked:
    """Peel encryption, signature and compression off a received body, in whatever order the sender used.
    `transfer_encoding` is the HTTP Content-Transfer-Encoding header some senders set (base64 bodies)."""
    top = {"content-type": content_type}
    if transfer_encoding:
        top["content-transfer-encoding"] = transfer_encoding
    current = mime.Entity(top, body, b"")
    mic: str | None = None
    signed = encrypted = compressed = False
    for _ in range(_NESTING):
        kind, smime_type = current.content_type, (current.param("smime-type") or "").lower()
        if kind in ("application/pkcs7-mime", "application/x-pkcs7-mime") and smime_type != "compressed-data":
            if encrypted or signed:
                raise As2Failure(DECRYPTION_FAILED, "encrypted content nested inside a signed or encrypted part")
            inner = cms.decrypt(current.decoded_body(), identity.key, identity.certificate)
            mic = mic_of(inner, mic_hash)  # an unsigned message's MIC: the decrypted entity, headers included
            current, encrypted = mime.parse(inner), True
        elif kind == "multipart/signed":
            if signed:
                raise As2Failure(INTEGRITY_CHECK_FAILED, "a signed part inside a signed part")
            content, signature = _signed_parts(current)
            cms.verify(content, signature, partner)
            mic = mic_of(content, mic_hash)
            current, signed = mime.parse(content), True
        elif kind in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
            if compressed:
                raise As2Failure(DECOMPRESSION_FAILED, "compressed content inside compressed content")
            current, compressed = mime.parse(cms.decompress(current.decoded_body())), True
        else:
            break
    else:
        raise As2Failure(UNEXPECTED_ERROR, f"more than {_NESTING} nested MIME layers")
    if (require_signed and not signed) or (require_encrypted and not encrypted):
        missing = "signed" if require_signed and not signed else "encrypted"
        raise As2Failure(INSUFFICIENT_SECURITY, f"the message is not {missing}, as this partner's messages must be")
    return Unpacked(current.decoded_body(), current.content_type, current.filename,
                    mic or mic_of(current.raw or body, mic_hash), mic_hash, signed, encrypted, compressed)


def _signed_parts(signed: mime.Entity) -> tuple[bytes, bytes]:
    boundary = signed.param("boundary")
    found = mime.parts(signed.body, boundary) if boundary else []
    if len(found) != 2:
        raise As2Failure(INTEGRITY_CHECK_FAILED, "multipart/signed without exactly two parts (content, signature)")
    signature = mime.parse(found[1])
    if signature.content_type not in ("application/pkcs7-signature", "application/x-pkcs7-signature"):
        raise As2Failure(INTEGRITY_CHECK_FAILED, f"the signature part is {signature.content_type}; expected "
                                                 "application/pkcs7-signature")
    der = signature.decoded_body()
    if not der.startswith(b"\x30"):  # base64 without its Content-Transfer-Encoding header: seen in the field
        der = signature.with_encoding("base64").decoded_body()
    return found[0], der
