"""The gateway's own keys: an RSA key and self-signed certificate for AS2 (partners pin the certificate), and an
ed25519 key pair for SFTP (partners authorise the public key). Private keys are written 0600, and an existing
file is never overwritten: losing a key in production means every partner re-pinning."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.x509.oid import NameOID

from gateway.errors import ConfigError


@dataclass(frozen=True)
class Generated:
    as2_key: Path
    as2_certificate: Path
    ssh_key: Path
    ssh_public_key: Path
    fingerprint: str  # of the AS2 certificate, SHA-256, for partners to check what they pin


def generate(directory: Path, as2_id: str, *, days: int = 730, rsa_bits: int = 3072) -> Generated:
    paths = Generated(directory / "as2.key", directory / "as2.crt", directory / "ssh_ed25519",
                      directory / "ssh_ed25519.pub", "")
    existing = [str(p) for p in (paths.as2_key, paths.as2_certificate, paths.ssh_key, paths.ssh_public_key)
                if p.exists()]
    if existing:
        raise ConfigError([f"{p}: already exists; it was left as it is (move it away to make a new one)"
                           for p in existing])
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    certificate = self_signed(key, as2_id, days)
    _write(paths.as2_key, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()), private=True)
    _write(paths.as2_certificate, certificate.public_bytes(serialization.Encoding.PEM), private=False)
    ssh = ed25519.Ed25519PrivateKey.generate()
    _write(paths.ssh_key, ssh.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                            serialization.NoEncryption()), private=True)
    public = ssh.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    _write(paths.ssh_public_key, public + f" gateway@{as2_id}\n".encode(), private=False)
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex(":").upper()
    return Generated(paths.as2_key, paths.as2_certificate, paths.ssh_key, paths.ssh_public_key, fingerprint)


def self_signed(key: rsa.RSAPrivateKey, as2_id: str, days: int) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, as2_id[:64])])
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))


def _write(path: Path, data: bytes, *, private: bool) -> None:
    """Create the file with its final mode from the start (a private key is never readable by others, not even
    for an instant), refusing to replace one that appeared meanwhile."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
