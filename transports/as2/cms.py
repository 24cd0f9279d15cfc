"""CMS (RFC 5652) for AS2: detached signatures, enveloped data (RFC 3852/5083) and compressed data (RFC 3274).

`cryptography` signs; signature verification, key unwrap (RSA PKCS#1 v1.5 and RSA-OAEP with any hash, which
`cryptography`'s own pkcs7 decryption refuses) and compressed data are read with `asn1crypto`. Every failure
raises As2Failure with the MDN disposition modifier it deserves.
"""

from __future__ import annotations

import hashlib
import os
import zlib

from asn1crypto import algos, cms
from asn1crypto import core as asn1
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from transports.as2.errors import (
    AUTHENTICATION_FAILED,
    DECOMPRESSION_FAILED,
    DECRYPTION_FAILED,
    INTEGRITY_CHECK_FAILED,
    UNSUPPORTED_ALGORITHM,
    As2Failure,
)
from transports.errors import TransportRejected

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}
# What we sign with (we verify SHA-1 too, for partners that still send it, but never make a SHA-1 signature).
SIGNING_HASHES: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}
# Content encryption we send and accept (3DES only because some partners still insist on it).
CIPHERS = ("aes128_cbc", "aes192_cbc", "aes256_cbc", "tripledes_192_cbc")
_CIPHER_OIDS = {"aes128_cbc": "aes128_cbc", "aes192_cbc": "aes192_cbc", "aes256_cbc": "aes256_cbc",
                "tripledes_192_cbc": "tripledes_3key"}
MAX_INFLATED = 1024 * 1024 * 1024  # a compressed message larger than this once inflated is a bomb, not EDI


def digest(name: str, data: bytes) -> bytes:
    return hashlib.new(name, data).digest()


# -- signing ---------------------------------------------------------------------------------------------------
def sign(content: bytes, key: rsa.RSAPrivateKey, cert: x509.Certificate, hash_name: str = "sha256") -> bytes:
    """A detached PKCS#7 signature (DER) over exactly `content` (no canonicalisation: the bytes are the MIC's)."""
    algorithm = SIGNING_HASHES.get(hash_name)
    if algorithm is None:
        raise TransportRejected(f"cannot sign with {hash_name}; expected one of {', '.join(SIGNING_HASHES)}")
    builder = pkcs7.PKCS7SignatureBuilder().set_data(content).add_signer(cert, key, algorithm())
    options = [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]
    return builder.sign(Encoding.DER, options)


def verify(content: bytes, signature: bytes, cert: x509.Certificate) -> str:
    """Check a detached signature over `content` with the partner's pinned certificate; return its hash name."""
    try:
        signed = cms.ContentInfo.load(signature)
        if signed["content_type"].native != "signed_data":
            raise ValueError("not signed-data")
        signer = signed["content"]["signer_infos"][0]
        hash_name = signer["digest_algorithm"]["algorithm"].native
        signature_algo = signer["signature_algorithm"].signature_algo
        signed_attrs = signer["signed_attrs"]
        value = signer["signature"].native
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise As2Failure(INTEGRITY_CHECK_FAILED, f"the signature cannot be read: {e}") from e
    if hash_name not in HASHES:
        raise As2Failure(UNSUPPORTED_ALGORITHM, f"signature digest {hash_name} is not supported; expected one "
                                                f"of {', '.join(HASHES)}")
    if isinstance(signed_attrs, asn1.Void) or not len(signed_attrs):
        to_verify = content
    else:
        attributes = {a["type"].native: a["values"][0].native for a in signed_attrs}
        if attributes.get("message_digest") != digest(hash_name, content):
            raise As2Failure(INTEGRITY_CHECK_FAILED, "the content does not match its signature (the message "
                                                     "digest differs): it was changed after signing")
        # The signature covers the attributes DER-encoded as a SET, not with their [0] IMPLICIT tag.
        to_verify = b"\x31" + signed_attrs.dump()[1:]
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise As2Failure(UNSUPPORTED_ALGORITHM, "only RSA certificates are supported")
    try:
        public_key.verify(value, to_verify, _signature_padding(signer, signature_algo), HASHES[hash_name]())
    except InvalidSignature:
        raise As2Failure(AUTHENTICATION_FAILED, "the signature was not made with the partner's pinned "
                                                "certificate (or the content was changed)") from None
    return str(hash_name)


def _signature_padding(signer: cms.SignerInfo, signature_algo: str) -> rsa_padding.AsymmetricPadding:
    if signature_algo == "rsassa_pss":
        params = signer["signature_algorithm"]["parameters"]
        mgf_hash = params["mask_gen_algorithm"]["parameters"]["algorithm"].native
        return rsa_padding.PSS(rsa_padding.MGF1(HASHES[mgf_hash]()), params["salt_length"].native)
    if signature_algo == "rsassa_pkcs1v15":
        return rsa_padding.PKCS1v15()
    raise As2Failure(UNSUPPORTED_ALGORITHM, f"signature algorithm {signature_algo} is not supported; expected RSA")


# -- encryption ------------------------------------------------------------------------------------------------
def encrypt(content: bytes, cert: x509.Certificate, cipher: str = "aes256_cbc") -> bytes:
    """EnvelopedData (DER) for the partner's certificate: RSA PKCS#1 v1.5 key transport, the given CBC cipher."""
    key_size = 24 if cipher == "tripledes_192_cbc" else int(cipher[3:6]) // 8
    content_key, iv = os.urandom(key_size), os.urandom(8 if cipher == "tripledes_192_cbc" else 16)
    block: algorithms.AES | algorithms.TripleDES = (
        algorithms.TripleDES(content_key) if cipher == "tripledes_192_cbc" else algorithms.AES(content_key))
    padder = padding.PKCS7(block.block_size).padder()
    encryptor = Cipher(block, modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padder.update(content) + padder.finalize()) + encryptor.finalize()
    public_key = cert.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)  # partners' certificates are checked RSA when loaded
    recipient = cms.KeyTransRecipientInfo({
        "version": "v0",
        "rid": cms.RecipientIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
            "issuer": _asn1_cert(cert)["tbs_certificate"]["issuer"], "serial_number": cert.serial_number})}),
        "key_encryption_algorithm": cms.KeyEncryptionAlgorithm({"algorithm": "rsaes_pkcs1v15"}),
        "encrypted_key": public_key.encrypt(content_key, rsa_padding.PKCS1v15()),
    })
    enveloped = cms.EnvelopedData({
        "version": "v0",
        "recipient_infos": [cms.RecipientInfo({"ktri": recipient})],
        "encrypted_content_info": cms.EncryptedContentInfo({
            "content_type": "data",
            "content_encryption_algorithm": algos.EncryptionAlgorithm(
                {"algorithm": _CIPHER_OIDS[cipher], "parameters": iv}),
            "encrypted_content": ciphertext,
        }),
    })
    return bytes(cms.ContentInfo({"content_type": "enveloped_data", "content": enveloped}).dump())


def decrypt(data: bytes, key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bytes:
    """The content of EnvelopedData (CBC ciphers) or AuthEnvelopedData (AES-GCM) addressed to our key."""
    try:
        info = cms.ContentInfo.load(data)
        kind = info["content_type"].native
        envelope = info["content"]
        if kind not in ("enveloped_data", "authenticated_enveloped_data"):
            raise As2Failure(DECRYPTION_FAILED, f"expected enveloped data, found {kind}")
        content_key = _unwrap(envelope["recipient_infos"], key, cert)
        if kind == "authenticated_enveloped_data":
            return _decrypt_gcm(envelope, content_key)
        return _decrypt_cbc(envelope["encrypted_content_info"], content_key)
    except As2Failure:
        raise
    except (ValueError, KeyError, TypeError, InvalidTag) as e:
        raise As2Failure(DECRYPTION_FAILED, f"the encrypted content cannot be decrypted with the gateway's "
                                            f"key: {type(e).__name__}: {e}") from e


def _unwrap(recipients: cms.RecipientInfos, key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bytes:
    """The content key from the recipient info addressed to our certificate.

    Only a recipient naming our certificate (issuer and serial, or subject key identifier) is tried: RSA
    PKCS#1 v1.5 decryption with the wrong key "succeeds" with a random key (implicit rejection), so trying
    others would decrypt to garbage instead of failing clearly."""
    ktri = [r.chosen for r in recipients if r.name == "ktri"]
    if not ktri:
        raise As2Failure(UNSUPPORTED_ALGORITHM, "no RSA key transport recipient; expected RSA PKCS#1 v1.5 or OAEP")
    ours = [r for r in ktri if _names(r, cert)]
    if not ours:
        raise As2Failure(DECRYPTION_FAILED, "the message was not encrypted for the gateway's certificate "
                                            f"(serial {cert.serial_number:x}, {cert.subject.rfc4514_string()})")
    try:
        return key.decrypt(ours[0]["encrypted_key"].native, _key_transport_padding(ours[0]))
    except ValueError as e:
        raise As2Failure(DECRYPTION_FAILED, f"the content key cannot be decrypted with the gateway's key: {e}") from e


def _names(recipient: cms.KeyTransRecipientInfo, cert: x509.Certificate) -> bool:
    rid = recipient["rid"]
    if rid.name == "issuer_and_serial_number":
        issuer = _asn1_cert(cert)["tbs_certificate"]["issuer"]
        return bool(rid.chosen["serial_number"].native == cert.serial_number and rid.chosen["issuer"] == issuer)
    try:
        identifier = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return False
    return bool(rid.chosen.native == identifier)


def _key_transport_padding(recipient: cms.KeyTransRecipientInfo) -> rsa_padding.AsymmetricPadding:
    algorithm = recipient["key_encryption_algorithm"]
    name = algorithm["algorithm"].native
    if name in ("rsaes_pkcs1v15", "rsa"):
        return rsa_padding.PKCS1v15()
    if name != "rsaes_oaep":
        raise As2Failure(UNSUPPORTED_ALGORITHM, f"key transport {name} is not supported; expected RSA PKCS#1 "
                                                "v1.5 or RSA-OAEP")
    params = algorithm["parameters"]
    hash_name = params["hash_algorithm"]["algorithm"].native
    mgf_hash = params["mask_gen_algorithm"]["parameters"]["algorithm"].native
    if hash_name not in HASHES or mgf_hash not in HASHES:
        raise As2Failure(UNSUPPORTED_ALGORITHM, f"RSA-OAEP with {hash_name} is not supported")
    return rsa_padding.OAEP(rsa_padding.MGF1(HASHES[mgf_hash]()), HASHES[hash_name](), None)


def _decrypt_cbc(content_info: cms.EncryptedContentInfo, content_key: bytes) -> bytes:
    algorithm = content_info["content_encryption_algorithm"]
    name = algorithm["algorithm"].native
    if name not in ("aes128_cbc", "aes192_cbc", "aes256_cbc", "tripledes_3key"):
        raise As2Failure(UNSUPPORTED_ALGORITHM, f"content encryption {name} is not supported; expected "
                                                "AES-128/192/256-CBC or AES-GCM")
    block: algorithms.AES | algorithms.TripleDES = (
        algorithms.TripleDES(content_key) if name == "tripledes_3key" else algorithms.AES(content_key))
    decryptor = Cipher(block, modes.CBC(algorithm.encryption_iv)).decryptor()
    padded = decryptor.update(content_info["encrypted_content"].native) + decryptor.finalize()
    unpadder = padding.PKCS7(block.block_size).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def _decrypt_gcm(envelope: cms.AuthEnvelopedData, content_key: bytes) -> bytes:
    content_info = envelope["auth_encrypted_content_info"]
    algorithm = content_info["content_encryption_algorithm"]
    if algorithm["algorithm"].native not in ("aes128_gcm", "aes192_gcm", "aes256_gcm"):
        raise As2Failure(UNSUPPORTED_ALGORITHM, f"authenticated encryption {algorithm['algorithm'].native} is "
                                                "not supported; expected AES-GCM")
    nonce = _GcmParameters.load(algorithm["parameters"].dump())["nonce"].native
    ciphertext = content_info["encrypted_content"].native + envelope["mac"].native
    aad = b"" if isinstance(envelope["auth_attrs"], asn1.Void) else b"\x31" + envelope["auth_attrs"].dump()[1:]
    return AESGCM(content_key).decrypt(nonce, ciphertext, aad or None)


# -- compression (RFC 3274, RFC 5402) ----------------------------------------------------------------------------
def compress(content: bytes) -> bytes:
    compressed = cms.CompressedData({
        "version": "v0",
        "compression_algorithm": cms.CompressionAlgorithm({"algorithm": "zlib"}),
        "encap_content_info": {"content_type": "data", "content": zlib.compress(content)},
    })
    return bytes(cms.ContentInfo({"content_type": "compressed_data", "content": compressed}).dump())


def decompress(data: bytes) -> bytes:
    try:
        compressed = cms.ContentInfo.load(data)["content"]
        algorithm = compressed["compression_algorithm"]["algorithm"].native
        if algorithm != "zlib":
            raise As2Failure(UNSUPPORTED_ALGORITHM, f"compression {algorithm} is not supported; expected zlib")
        inflater = zlib.decompressobj()
        content = inflater.decompress(compressed["encap_content_info"]["content"].native, MAX_INFLATED)
        if inflater.unconsumed_tail:
            raise As2Failure(DECOMPRESSION_FAILED, f"the content inflates beyond {MAX_INFLATED} bytes")
        return content
    except As2Failure:
        raise
    except (ValueError, KeyError, TypeError, zlib.error) as e:
        raise As2Failure(DECOMPRESSION_FAILED, f"the compressed content cannot be read: {e}") from e


class _GcmParameters(asn1.Sequence):  # type: ignore[misc]
    """RFC 5084 GCMParameters, which asn1crypto (untyped) does not name."""

    _fields = [("nonce", asn1.OctetString), ("icv_len", asn1.Integer, {"default": 12})]


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
