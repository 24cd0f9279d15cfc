"""A poll of a folder partner, in process: what is received, what is settled and when, and what the lease
allows. (tests/workers runs the same through real worker processes.)"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gateway.errors import Rejected, Retryable
from gateway.leases import FileLeases, Lease
from gateway.pipeline.intake import PipelineIntake
from gateway.polling import Unavailable, poll, receive_service
from gateway.settings import Settings
from transports import Inbound
from transports.folder import FolderConfig, FolderTransport


class Recorder:
    """An intake that keeps what it is handed, and can be told to fail on a name."""

    def __init__(self, fail: dict[str, Exception] | None = None, stall: float = 0) -> None:
        self.received: list[tuple[str, str, bytes]] = []
        self.refusals: list[tuple[str, str, str | None]] = []
        self.fail = fail or {}
        self.stall = stall

    def receive(self, partner_id: str, inbound: Inbound) -> int | None:
        if inbound.name in self.fail:
            raise self.fail[inbound.name]
        time.sleep(self.stall)
        assert inbound.path is None or inbound.path.exists(), "settled before it was received"
        self.received.append((partner_id, inbound.name, inbound.read_bytes()))
        return len(self.received)

    def refused(self, partner_id: str, inbound: Inbound) -> None:
        assert inbound.path is None or inbound.path.exists(), "set aside before it was recorded"
        self.refusals.append((partner_id, inbound.name, inbound.refusal))


@pytest.fixture
def inbound(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    return tmp_path / "in"


def transport(tmp_path: Path, **options: object) -> FolderTransport:
    return FolderTransport(FolderConfig(kind="folder", inbound_dir=tmp_path / "in", outbound_dir=tmp_path / "out",
                                        archive_dir=tmp_path / "archive", **options))


def test_each_file_is_received_then_archived(tmp_path, inbound):
    for name in ("a.edi", "b.edi"):
        (inbound / name).write_bytes(name.encode())
    recorder = Recorder()
    report = poll("contoso", transport(tmp_path), FileLeases(tmp_path / "leases"), recorder, 30)
    assert recorder.received == [("contoso", "a.edi", b"a.edi"), ("contoso", "b.edi", b"b.edi")]
    assert report.received == ["a.edi", "b.edi"] and list(inbound.iterdir()) == []
    assert report.messages == [1, 2]  # what the poll task wakes processing for
    assert sorted(p.name for p in (tmp_path / "archive").iterdir()) == ["a.edi", "b.edi"]


def test_a_rejected_file_stays_and_the_next_one_is_still_received(tmp_path, inbound):
    (inbound / "a.edi").write_bytes(b"junk")
    (inbound / "b.edi").write_bytes(b"ISA")
    recorder = Recorder(fail={"a.edi": Rejected("a.edi is not X12")})
    report = poll("contoso", transport(tmp_path), FileLeases(tmp_path / "leases"), recorder, 30)
    assert report.rejected == [("a.edi", "a.edi is not X12")] and report.received == ["b.edi"]
    assert [p.name for p in inbound.iterdir()] == ["a.edi"]


def test_a_retryable_failure_ends_the_poll_keeps_the_file_and_frees_the_lease(tmp_path, inbound):
    (inbound / "a.edi").write_bytes(b"ISA")
    leases = FileLeases(tmp_path / "leases")
    with pytest.raises(Retryable, match="database down"):
        poll("contoso", transport(tmp_path), leases, Recorder(fail={"a.edi": Retryable("database down")}), 30)
    assert (inbound / "a.edi").exists()
    assert poll("contoso", transport(tmp_path), leases, Recorder(), 30).received == ["a.edi"]


def test_a_refused_file_is_set_aside_unread(tmp_path, inbound):
    (inbound / "big.edi").write_bytes(b"x" * 100)
    recorder = Recorder()
    report = poll("contoso", transport(tmp_path, max_bytes=99), FileLeases(tmp_path / "leases"), recorder, 30)
    reason = "the file is 100 bytes, over the limit of 99 bytes (max_bytes)"
    assert recorder.received == [] and report.refused == [("big.edi", reason)]
    assert recorder.refusals == [("contoso", "big.edi", reason)]
    assert (inbound / "refused" / "big.edi").exists()


def test_a_partner_already_being_polled_is_left_alone(tmp_path, inbound):
    (inbound / "a.edi").write_bytes(b"ISA")
    leases = FileLeases(tmp_path / "leases")
    other_poller = FileLeases(tmp_path / "leases").acquire("poll:contoso", 30)
    assert other_poller is not None
    report = poll("contoso", transport(tmp_path), leases, Recorder(), 30)
    assert report.busy and report.received == [] and (inbound / "a.edi").exists()


class ExpiringLeases(FileLeases):
    """File leases whose renewal fails, as a Redis lease does once it has expired and passed on."""

    def renew(self, lease: Lease, seconds: float) -> bool:
        return False


def test_a_poll_that_lost_its_lease_stops_and_leaves_the_file_it_was_reading(tmp_path, inbound):
    (inbound / "a.edi").write_bytes(b"ISA")
    (inbound / "b.edi").write_bytes(b"ISA")
    recorder = Recorder(stall=0.2)
    report = poll("contoso", transport(tmp_path), ExpiringLeases(tmp_path / "leases"), recorder, 0.06)
    assert report.lost_lease and [name for _, name, _ in recorder.received] == ["a.edi"]
    assert sorted(p.name for p in inbound.iterdir()) == ["a.edi", "b.edi"]  # the next holder reads both again


def test_the_intake_comes_from_one_setting_and_is_the_pipeline_by_default(tmp_path):
    assert isinstance(receive_service(Settings(data_dir=tmp_path)), PipelineIntake)
    paused = receive_service(Settings(receive_service="gateway.polling:unavailable"))
    assert isinstance(paused, Unavailable)
    from gateway.errors import ConfigError

    with pytest.raises(ConfigError, match="GATEWAY_RECEIVE_SERVICE: 'nowhere:receive' cannot be loaded"):
        receive_service(Settings(receive_service="nowhere:receive"))
    with pytest.raises(Rejected, match="a.edi stays in its inbound directory: receiving is paused"):
        paused.receive("contoso", Inbound(channel_id="a.edi", name="a.edi", size=0, data=b""))
