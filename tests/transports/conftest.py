"""A real OpenSSH server for the SFTP tests, started once per session (tests.transports.sshd). Without
/usr/sbin/sshd (Debian: openssh-server) they skip loudly, or fail under GATEWAY_REQUIRE_SERVICES=1."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REQUIRE_SERVICES
from tests.transports.sshd import SSHD, Sshd, generate_key, make_sshd
from tests.workers.conftest import redis_prefix, redis_url  # noqa: F401  (fixtures for the lease tests)
from transports.base import TransportContext
from transports.sftp import SftpConfig, SftpTransport


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    if not SSHD.exists():
        reason = f"{SSHD} is missing (apt-get install openssh-server)"
        if REQUIRE_SERVICES:
            pytest.fail(f"GATEWAY_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(f"SKIPPED LOUDLY: {reason}; the SFTP transport is untested here")
    server = make_sshd(tmp_path_factory.mktemp("sshd"))
    keys = tmp_path_factory.mktemp("client-keys")
    server.client_key = generate_key(keys / "gateway_ed25519")
    server.client_rsa_key = generate_key(keys / "gateway_rsa", "rsa")
    server.authorize(keys / "gateway_ed25519.pub", keys / "gateway_rsa.pub")
    server.start()
    yield server
    server.stop()


@dataclass
class SftpPartner:
    """One partner's mailbox on the shared server: its own directories, so tests never see each other's files."""

    server: Sshd
    base: str  # relative to the login's start directory
    work_dir: Path

    @property
    def outbound(self) -> Path:
        """Where the partner drops files for us (our inbound_dir), as the server's disk sees it."""
        return self.server.home / self.base / "outbound"

    @property
    def inbound(self) -> Path:
        """Where we deliver (our outbound_dir), as the server's disk sees it."""
        return self.server.home / self.base / "inbound"

    def config(self, **overrides: Any) -> SftpConfig:
        values: dict[str, Any] = {
            "kind": "sftp", "host": "127.0.0.1", "port": self.server.port, "username": self.server.user,
            "private_key": self.server.client_key,
            "host_key": self.server.host_key_line(), "inbound_dir": f"{self.base}/outbound",
            "outbound_dir": f"{self.base}/inbound", "connect_timeout": 5, "operation_timeout": 10,
        }
        return SftpConfig.model_validate({**values, **overrides})

    def transport(self, **overrides: Any) -> SftpTransport:
        return SftpTransport(self.config(**overrides), TransportContext(partner_id="acme", work_dir=self.work_dir))


@pytest.fixture
def sftp_partner(sshd: Sshd, tmp_path: Path) -> SftpPartner:
    partner = SftpPartner(server=sshd, base=f"p-{uuid.uuid4().hex[:8]}", work_dir=tmp_path / "work")
    partner.outbound.mkdir(parents=True)
    partner.inbound.mkdir()
    return partner
