"""Polls of an SFTP partner through gateway.polling, against the real sshd: under the partner's lease, each file
is received and only then settled; a lease held elsewhere leaves everything alone; a server that goes away ends
the poll retryably with nothing lost, and the next poll takes the rest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.errors import Rejected
from gateway.leases import FileLeases
from gateway.partners import Partner
from gateway.polling import poll, polled_partners, polled_transport
from tests.transports.conftest import SftpPartner
from transports import Inbound, TransportRetryable


class Receiver:
    """An intake that keeps what it is handed (checking the file is still on the server), and can stop the server
    before the n-th file or refuse a name."""

    def __init__(self, partner: SftpPartner, stop_server_at: int = 0, refuse: str = "") -> None:
        self.partner, self.stop_server_at, self.refuse = partner, stop_server_at, refuse
        self.received: list[tuple[str, bytes]] = []

    def receive(self, partner_id: str, inbound: Inbound) -> int | None:
        assert (self.partner.outbound / inbound.name).exists(), "settled before it was received"
        if inbound.name == self.refuse:
            raise Rejected(f"{inbound.name} is not X12")
        if self.stop_server_at and len(self.received) + 1 == self.stop_server_at:
            self.partner.server.stop()
        self.received.append((inbound.name, inbound.read_bytes()))
        return None  # no message to wake: these tests stop at the poll

    def refused(self, partner_id: str, inbound: Inbound) -> None:
        assert (self.partner.outbound / inbound.name).exists(), "set aside before it was recorded"


def drop_files(partner: SftpPartner, count: int) -> dict[str, bytes]:
    files = {f"po-{n:03}.edi": f"ISA*{n}~".encode() for n in range(count)}
    for name, data in files.items():
        (partner.outbound / name).write_bytes(data)
    return files


def test_a_poll_receives_then_settles_every_file_under_the_lease(sftp_partner: SftpPartner, tmp_path: Path) -> None:
    files = drop_files(sftp_partner, 5)
    receiver = Receiver(sftp_partner, refuse="po-002.edi")
    transport = sftp_partner.transport()
    report = poll("acme", transport, FileLeases(tmp_path / "leases"), receiver, 30)
    assert report.received == [n for n in files if n != "po-002.edi"]
    assert receiver.received == [(n, d) for n, d in files.items() if n != "po-002.edi"]
    assert report.rejected == [("po-002.edi", "po-002.edi is not X12")]
    assert os.listdir(sftp_partner.outbound) == ["po-002.edi"]  # the refused one waits for an operator
    assert transport._session is None  # the poll closed its connection


def test_a_poll_finding_the_lease_held_touches_nothing(sftp_partner: SftpPartner, tmp_path: Path) -> None:
    drop_files(sftp_partner, 2)
    leases = FileLeases(tmp_path / "leases")
    other = FileLeases(tmp_path / "leases").acquire("poll:acme", 30)  # another poller, elsewhere
    assert other is not None
    receiver = Receiver(sftp_partner)
    assert poll("acme", sftp_partner.transport(), leases, receiver, 30).busy
    assert receiver.received == [] and len(os.listdir(sftp_partner.outbound)) == 2


def test_a_server_gone_mid_poll_loses_nothing_and_the_next_poll_takes_the_rest(
        sftp_partner: SftpPartner, tmp_path: Path) -> None:
    files = drop_files(sftp_partner, 4)
    leases = FileLeases(tmp_path / "leases")
    receiver = Receiver(sftp_partner, stop_server_at=2)  # the server goes while the 2nd file is being stored
    try:
        with pytest.raises(TransportRetryable, match="partner acme: SFTP server 127.0.0.1"):
            poll("acme", sftp_partner.transport(), leases, receiver, 30)
    finally:
        sftp_partner.server.start()
    # The 2nd file was stored but could not be settled: it is read again (the pipeline's duplicate detection
    # answers it), and nothing is lost.
    assert sorted(os.listdir(sftp_partner.outbound)) == ["po-001.edi", "po-002.edi", "po-003.edi"]
    report = poll("acme", sftp_partner.transport(), leases, receiver, 30)
    assert report.received == ["po-001.edi", "po-002.edi", "po-003.edi"]
    assert os.listdir(sftp_partner.outbound) == []
    assert {n for n, _ in receiver.received} == set(files)


def test_sftp_partners_of_the_partners_file_are_polled(sftp_partner: SftpPartner, tmp_path: Path) -> None:
    from gateway.partners import PartnersFile

    partner = Partner(id="acme", role="customer", name="Acme", isa_qualifier="ZZ", isa_id="ACME", gs_id="ACME",
                      x12_version="004010", transport=sftp_partner.config().model_dump())
    assert polled_partners(PartnersFile(partners=(partner,))) == [partner]
    drop_files(sftp_partner, 1)
    transport = polled_transport(partner, tmp_path / "incoming")
    receiver = Receiver(sftp_partner)
    assert poll("acme", transport, FileLeases(tmp_path / "leases"), receiver, 30).received == ["po-000.edi"]


def test_the_poll_task_records_the_partners_health(sftp_partner: SftpPartner, tmp_path: Path,
                                                   sqlite_template: Path) -> None:
    from gateway.db import make_engine
    from gateway.health import partner_status
    from gateway.partners import PartnersFile
    from gateway.settings import Settings
    from tests.transports.sshd import free_port
    from workers.app import POLL_TASK, create_app

    database = tmp_path / "gateway.db"
    database.write_bytes(sqlite_template.read_bytes())
    fields = {"role": "customer", "isa_qualifier": "ZZ", "x12_version": "004010"}
    up = Partner(id="up", name="Up", isa_id="UP", gs_id="UP", transport=sftp_partner.config().model_dump(), **fields)
    down = Partner(id="down", name="Down", isa_id="DOWN", gs_id="DOWN", **fields,
                   transport=sftp_partner.config(port=free_port()).model_dump())
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{database}",
                        receive_service="gateway.polling:unavailable")
    task = create_app(settings, PartnersFile(partners=(up, down))).tasks[POLL_TASK]
    drop_files(sftp_partner, 1)

    task.run("up")  # receiving is paused: the file stays, and the poll itself went through
    with pytest.raises(TransportRetryable, match="partner down: SFTP server 127.0.0.1:.* is unreachable"):
        task.run("down")
    status = {s.partner_id: s for s in partner_status(make_engine(f"sqlite:///{database}"), [up, down])}
    assert status["up"].last_poll_at is not None and status["up"].consecutive_failures == 0
    assert status["down"].last_poll_at is None and status["down"].consecutive_failures == 1
    assert "poll: partner down: SFTP server 127.0.0.1" in (status["down"].last_error or "")
    assert os.listdir(sftp_partner.outbound) == ["po-000.edi"]


def test_two_pollers_at_once_take_each_file_once(sftp_partner: SftpPartner, redis_url: str,
                                                 redis_prefix: str) -> None:
    """Two schedulers fire the same partner's poll together (on two machines, sharing Redis): one polls, the
    other finds the lease held; every file is received once."""
    import threading

    import redis

    from gateway.leases import RedisLeases

    files = drop_files(sftp_partner, 30)
    receiver = Receiver(sftp_partner)
    reports = []
    start = threading.Barrier(2)

    def poller() -> None:
        leases = RedisLeases(redis.Redis.from_url(redis_url), redis_prefix)
        start.wait()
        reports.append(poll("acme", sftp_partner.transport(), leases, receiver, 30))

    threads = [threading.Thread(target=poller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(r.busy for r in reports) == [False, True]
    assert sorted(n for n, _ in receiver.received) == sorted(files)  # each once
    assert os.listdir(sftp_partner.outbound) == []
