"""SSH connections for the SFTP transport (paramiko): pinned host keys, key or password authentication, timeouts.

The server's host key is compared with the one the partners file pins (`host_key`: a known_hosts line, a public
key line, or the path of a file holding either); nothing is ever learned or added on the fly. Only the pinned key
types are offered in the key exchange, so a server holding several host keys shows the one that was pinned.

Errors say whether a retry can help: an unreachable server, a timeout or a dropped connection is
TransportRetryable; a host key mismatch, a refused login or a missing secret is TransportRejected (an operator
has to act).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import paramiko

from transports.errors import TransportRejected, TransportRetryable

# Host key types paramiko can verify, as they appear in known_hosts and .pub files.
HOST_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")
# What a server may sign with for an ssh-rsa host key (OpenSSH no longer accepts plain SHA-1 ssh-rsa).
_RSA_SIGNATURES = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")


@dataclass(frozen=True)
class Endpoint:
    """Where and how to log in: what the connection needs from a partner's configuration."""

    partner: str  # named in every error
    host: str
    port: int
    username: str
    host_key: str
    private_key: Path | None
    password_env: str | None
    connect_timeout: float
    operation_timeout: float

    @property
    def where(self) -> str:
        return f"partner {self.partner}: SFTP server {self.host}:{self.port}"


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's form: SHA256:<base64 without padding>."""
    digest = base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")
    return f"{key.get_name()} SHA256:{digest}"


def pinned_keys(host_key: str) -> list[paramiko.PKey]:
    """The public keys a `host_key` value pins; ValueError naming what is wrong when it pins none."""
    text = host_key
    if "\n" not in host_key and " " not in host_key.strip():  # no key line has no space: a file's path
        try:
            text = Path(host_key).read_text(encoding="ascii")
        except (OSError, UnicodeError) as e:
            raise ValueError(f"host_key file {host_key!r} cannot be read ({e}); expected a known_hosts or .pub "
                             "file, or the key line itself") from None
    keys = []
    for line in text.splitlines():
        fields = line.split()
        for i, field in enumerate(fields[:-1]):  # known_hosts: hosts type blob; .pub: type blob comment
            if field in HOST_KEY_TYPES:
                keys.append(_public_key(field, fields[i + 1]))
                break
    if not keys:
        raise ValueError(f"host_key names no public key; expected a line such as 'ssh-ed25519 AAAA...' (one of "
                         f"{', '.join(HOST_KEY_TYPES)})")
    return keys


def _public_key(key_type: str, blob: str) -> paramiko.PKey:
    try:
        return paramiko.PKey.from_type_string(key_type, base64.b64decode(blob, validate=True))
    except (binascii.Error, paramiko.SSHException, ValueError) as e:
        raise ValueError(f"host_key: the {key_type} key is not valid key data ({e}); expected the base64 text that "
                         "follows the key type") from None


def _client_key(endpoint: Endpoint) -> paramiko.PKey | None:
    if endpoint.private_key is None:
        return None
    try:
        return paramiko.PKey.from_path(endpoint.private_key)
    except FileNotFoundError:
        raise TransportRejected(f"{endpoint.where}: private key {endpoint.private_key} does not exist") from None
    except (OSError, paramiko.SSHException, ValueError) as e:
        raise TransportRejected(f"{endpoint.where}: private key {endpoint.private_key} cannot be read ({e}); "
                                "expected an unencrypted ed25519, ECDSA or RSA key in OpenSSH or PEM form") from None


def _password(endpoint: Endpoint) -> str | None:
    if endpoint.password_env is None:
        return None
    password = os.environ.get(endpoint.password_env)
    if not password:
        raise TransportRejected(f"{endpoint.where}: the environment variable {endpoint.password_env} (password_env) "
                                "is not set; expected it to hold the password")
    return password


@contextmanager
def network_errors(what: str) -> Iterator[None]:
    """Turn the network's failures into TransportRetryable naming `what`."""
    try:
        yield
    except TimeoutError as e:
        raise TransportRetryable(f"{what}: timed out ({e or 'no answer'})") from e
    except (OSError, EOFError, paramiko.SSHException) as e:
        raise TransportRetryable(f"{what}: failed ({e or type(e).__name__})") from e


def connect(endpoint: Endpoint) -> tuple[paramiko.Transport, paramiko.SFTPClient]:
    """An authenticated SFTP session whose host key matched the pinned one; the caller closes the transport."""
    try:
        pinned = pinned_keys(endpoint.host_key)
    except ValueError as e:
        raise TransportRejected(f"{endpoint.where}: {e}") from None
    key, password = _client_key(endpoint), _password(endpoint)
    with network_errors(f"{endpoint.where} is unreachable"):
        sock = socket.create_connection((endpoint.host, endpoint.port), timeout=endpoint.connect_timeout)
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = transport.handshake_timeout = transport.auth_timeout = endpoint.connect_timeout
        _offer_only(transport, pinned)
        try:
            with network_errors(f"{endpoint.where}: the SSH handshake failed"):
                transport.start_client(timeout=endpoint.connect_timeout)
                if not transport.initial_kex_done:  # start_client returns quietly when its timeout passes
                    raise TimeoutError(f"no SSH handshake within {endpoint.connect_timeout:g} s")
        except TransportRetryable as e:
            if isinstance(e.__cause__, paramiko.ssh_exception.IncompatiblePeer):
                raise TransportRejected(
                    f"{endpoint.where}: the server has no host key of the pinned type "
                    f"({', '.join(sorted({k.get_name() for k in pinned}))}); connection refused; expected host_key "
                    "to pin one of the server's keys") from None
            raise
        _check_host_key(endpoint, transport.get_remote_server_key(), pinned)
        _authenticate(endpoint, transport, key, password)
        with network_errors(f"{endpoint.where}: the SFTP subsystem did not start"):
            sftp = paramiko.SFTPClient.from_transport(transport)
            channel = sftp.get_channel() if sftp is not None else None
            if sftp is None or channel is None:
                raise paramiko.SSHException("the server refused the sftp subsystem")
            channel.settimeout(endpoint.operation_timeout)  # every later request times out too
    except BaseException:
        transport.close()
        raise
    return transport, sftp


def _offer_only(transport: paramiko.Transport, pinned: list[paramiko.PKey]) -> None:
    names = {k.get_name() for k in pinned}
    wanted = [n for n in transport.get_security_options().key_types
              if n in names or ("ssh-rsa" in names and n in _RSA_SIGNATURES)]
    transport.get_security_options().key_types = wanted


def _check_host_key(endpoint: Endpoint, offered: paramiko.PKey, pinned: list[paramiko.PKey]) -> None:
    if any(offered.asbytes() == k.asbytes() for k in pinned):
        return
    raise TransportRejected(
        f"{endpoint.where}: host key mismatch, connection refused: the server offered {fingerprint(offered)}, the "
        f"partners file pins {', '.join(fingerprint(k) for k in pinned)}; if the server's key was changed on "
        "purpose, put its new key in host_key")


def _authenticate(endpoint: Endpoint, transport: paramiko.Transport, key: paramiko.PKey | None,
                  password: str | None) -> None:
    tried = []
    with network_errors(f"{endpoint.where}: the login failed"):
        for method, secret in (("key", key), ("password", password)):
            if secret is None:
                continue
            tried.append(f"{method} {endpoint.private_key}" if method == "key" else f"password from "
                         f"{endpoint.password_env}")
            try:
                if isinstance(secret, paramiko.PKey):
                    transport.auth_publickey(endpoint.username, secret)
                else:
                    transport.auth_password(endpoint.username, secret)
            except paramiko.AuthenticationException:  # refused, or that method is not offered: try the next
                continue
            if transport.is_authenticated():
                return
    raise TransportRejected(f"{endpoint.where}: the server refused user {endpoint.username!r} "
                            f"(tried {', '.join(tried) or 'nothing: no private_key or password_env'}); expected "
                            "the partner to have our public key (or password) for that user")
