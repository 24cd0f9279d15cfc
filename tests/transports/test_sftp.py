"""The SFTP transport against a real OpenSSH server (tests.transports.sshd): fetch, settle, the settle rule,
atomic sends that never overwrite, pinned host keys, refused logins, and a server that goes away and comes back."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from tests.transports.conftest import SftpPartner
from tests.transports.sshd import Sshd, generate_key, sftp_client_get
from transports import TransportRejected, TransportRetryable, open_transport
from transports.sftp import IN_MEMORY_BYTES, SftpConfig


def drop(partner: SftpPartner, name: str, data: bytes, age: float = 0) -> Path:
    """The partner puts a file where we poll, `age` seconds old."""
    path = partner.outbound / name
    path.write_bytes(data)
    if age:
        old = time.time() - age
        os.utime(path, (old, old))
    return path


def test_fetch_yields_each_complete_file_and_settle_deletes_it(sftp_partner: SftpPartner) -> None:
    drop(sftp_partner, "b.edi", b"ISA*second~")
    drop(sftp_partner, "a.edi", b"ISA*first~")
    with sftp_partner.transport() as transport:
        found = list(transport.fetch())
        assert [(i.name, i.read_bytes()) for i in found] == [("a.edi", b"ISA*first~"), ("b.edi", b"ISA*second~")]
        assert sorted(os.listdir(sftp_partner.outbound)) == ["a.edi", "b.edi"]  # nothing settled before asked
        for inbound in found:
            transport.settle(inbound)
        transport.settle(found[0])  # settling again (a retry after a crash) is fine
    assert os.listdir(sftp_partner.outbound) == []


def test_settle_moves_to_the_archive_without_overwriting(sftp_partner: SftpPartner) -> None:
    with sftp_partner.transport(archive_dir=f"{sftp_partner.base}/archive") as transport:
        for content in (b"first", b"second"):
            drop(sftp_partner, "po.edi", content)
            (inbound,) = transport.fetch()
            transport.settle(inbound)
    archive = sftp_partner.outbound.parent / "archive"
    assert (archive / "po.edi").read_bytes() == b"first"
    assert (archive / "po.edi.1").read_bytes() == b"second"
    assert os.listdir(sftp_partner.outbound) == []


def test_files_still_being_written_are_skipped(sftp_partner: SftpPartner) -> None:
    for name in (".hidden.edi", "po.edi.tmp", "po.edi.part", "PO.EDI.TMP"):
        drop(sftp_partner, name, b"half")
    (sftp_partner.outbound / "subdir").mkdir()
    drop(sftp_partner, "fresh.edi", b"just written")
    drop(sftp_partner, "old.edi", b"settled", age=120)
    with sftp_partner.transport(settle_seconds=60) as transport:
        assert [i.name for i in transport.fetch()] == ["old.edi"]
    with sftp_partner.transport(settle_seconds=0) as transport:
        assert [i.name for i in transport.fetch()] == ["fresh.edi", "old.edi"]


def test_files_that_went_or_changed_after_the_listing_wait_for_the_next_poll(sftp_partner: SftpPartner) -> None:
    for name in ("a.edi", "b.edi", "c.edi"):
        drop(sftp_partner, name, b"ISA*complete~", age=60)
    with sftp_partner.transport() as transport:
        found = transport.fetch()  # the directory is listed once, at the first file
        assert next(found).name == "a.edi"
        (sftp_partner.outbound / "b.edi").unlink()  # another reader took it
        drop(sftp_partner, "c.edi", b"ISA*complete~ and then some")  # the partner rewrote it
        assert list(found) == []
        assert [i.read_bytes() for i in transport.fetch()] == [b"ISA*complete~", b"ISA*complete~ and then some"]


def test_a_file_rewritten_after_it_was_read_is_not_settled(sftp_partner: SftpPartner) -> None:
    drop(sftp_partner, "po.edi", b"ISA*first~", age=60)
    with sftp_partner.transport() as transport:
        (inbound,) = transport.fetch()
        drop(sftp_partner, "po.edi", b"ISA*second, longer~")  # the partner wrote it again meanwhile
        with pytest.raises(TransportRejected, match="po.edi changed after it was read; left in .* to be read again"):
            transport.settle(inbound)
        assert [i.read_bytes() for i in transport.fetch()] == [b"ISA*second, longer~"]


def test_a_large_file_is_streamed_to_the_work_dir_and_removed_once_settled(sftp_partner: SftpPartner) -> None:
    data = os.urandom(IN_MEMORY_BYTES * 3 + 17)
    drop(sftp_partner, "big.edi", data)
    with sftp_partner.transport() as transport:
        (inbound,) = transport.fetch()
        assert inbound.path is not None and inbound.path.parent == sftp_partner.work_dir
        assert inbound.size == len(data) and inbound.read_bytes() == data
        transport.settle(inbound)
        assert not inbound.path.exists()
    assert os.listdir(sftp_partner.outbound) == []


def test_local_copies_of_unsettled_files_go_when_the_poll_ends(sftp_partner: SftpPartner) -> None:
    drop(sftp_partner, "big.edi", os.urandom(IN_MEMORY_BYTES + 1))
    with sftp_partner.transport() as transport:  # the poll closes it when it ends
        (inbound,) = transport.fetch()  # the receive service refused it: never settled
        assert inbound.path is not None and inbound.path.exists()
    assert list(sftp_partner.work_dir.iterdir()) == []
    assert os.listdir(sftp_partner.outbound) == ["big.edi"]  # still waiting on the server


def test_copies_left_by_a_dead_worker_are_removed_a_day_later(sftp_partner: SftpPartner) -> None:
    sftp_partner.work_dir.mkdir()
    for name, age in (("sftp-dead.part", 25 * 3600), ("sftp-busy.part", 3600), ("notes.txt", 25 * 3600)):
        path = sftp_partner.work_dir / name
        path.write_bytes(b"ISA")
        os.utime(path, (time.time() - age, time.time() - age))
    with sftp_partner.transport() as transport:
        assert list(transport.fetch()) == []
    assert sorted(p.name for p in sftp_partner.work_dir.iterdir()) == ["notes.txt", "sftp-busy.part"]


def test_too_large_and_unsafe_files_are_refused_unread_and_set_aside(sftp_partner: SftpPartner) -> None:
    drop(sftp_partner, "huge.edi", b"x" * 101)
    drop(sftp_partner, "bad\x01name.edi", b"ISA~")
    with sftp_partner.transport(max_bytes=100) as transport:
        found = {i.name: i for i in transport.fetch()}
        assert "over the limit of 100 bytes" in (found["huge.edi"].refusal or "")
        assert "control characters" in (found["bad\x01name.edi"].refusal or "")
        assert all(i.data is None and i.path is None for i in found.values())
        for inbound in found.values():
            transport.settle(inbound)
    assert sorted(os.listdir(sftp_partner.outbound / "refused")) == ["bad_name.edi", "huge.edi"]


def test_send_renames_into_place_and_the_sftp_client_reads_it(sftp_partner: SftpPartner, tmp_path: Path) -> None:
    data = b"ISA*00*~" * 1000
    with sftp_partner.transport() as transport:
        receipt = transport.send("po-1.edi", data)
    assert receipt.size == len(data) and not receipt.already_there
    assert os.listdir(sftp_partner.inbound) == ["po-1.edi"]  # no temporary left behind
    fetched = tmp_path / "via-openssh.edi"
    sftp_client_get(sftp_partner.server, sftp_partner.server.client_key, f"{sftp_partner.base}/inbound/po-1.edi",
                    fetched)
    assert fetched.read_bytes() == data


def test_a_retry_of_the_same_bytes_is_sent_and_a_different_file_is_never_overwritten(
        sftp_partner: SftpPartner) -> None:
    with sftp_partner.transport() as transport:
        transport.send("po-1.edi", b"first")
        assert transport.send("po-1.edi", b"first").already_there
        with pytest.raises(TransportRejected, match="a different file named po-1.edi is already in .* not overwritten"):
            transport.send("po-1.edi", b"second")
    assert (sftp_partner.inbound / "po-1.edi").read_bytes() == b"first"
    assert os.listdir(sftp_partner.inbound) == ["po-1.edi"]


def test_the_plain_rename_never_replaces_a_file_that_appeared_meanwhile(sftp_partner: SftpPartner) -> None:
    """Another sender wins the race between our check and our rename: the rename fails, theirs stays."""
    with sftp_partner.transport() as transport:
        sftp = transport._sftp()
        (sftp_partner.inbound / "theirs.edi").write_bytes(b"theirs")
        (sftp_partner.inbound / ".mine.tmp").write_bytes(b"mine")
        with pytest.raises(OSError):
            sftp.rename(f"{sftp_partner.base}/inbound/.mine.tmp", f"{sftp_partner.base}/inbound/theirs.edi")
    assert (sftp_partner.inbound / "theirs.edi").read_bytes() == b"theirs"


@pytest.mark.parametrize("name", ["../escape.edi", "a/b.edi", "bell\x07.edi", "", ".hidden", "x.tmp"])
def test_unsafe_names_are_never_sent(sftp_partner: SftpPartner, name: str) -> None:
    with sftp_partner.transport() as transport, pytest.raises(TransportRejected, match="cannot send"):
        transport.send(name, b"data")
    assert os.listdir(sftp_partner.inbound) == []


def test_an_rsa_client_key_logs_in_too(sftp_partner: SftpPartner) -> None:
    with sftp_partner.transport(private_key=sftp_partner.server.client_rsa_key) as transport:
        assert transport.send("rsa.edi", b"x").size == 1


def test_a_changed_host_key_refuses_the_connection(sftp_partner: SftpPartner, tmp_path: Path) -> None:
    impostor = generate_key(tmp_path / "impostor")
    pinned = impostor.with_suffix(".pub").read_text()
    with sftp_partner.transport(host_key=pinned) as transport, pytest.raises(TransportRejected) as refused:
        transport.send("po.edi", b"data")
    reason = refused.value.reason
    assert f"partner acme: SFTP server 127.0.0.1:{sftp_partner.server.port}: host key mismatch" in reason
    server_key = sftp_partner.server.host_key.with_suffix(".pub").read_text()
    assert fingerprint_of(server_key) in reason and fingerprint_of(pinned) in reason
    assert os.listdir(sftp_partner.inbound) == []


def fingerprint_of(public_key_line: str) -> str:
    import base64
    import hashlib

    blob = base64.b64decode(public_key_line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def test_a_pinned_key_of_a_type_the_server_lacks_refuses_the_connection(sftp_partner: SftpPartner,
                                                                        tmp_path: Path) -> None:
    pinned = generate_key(tmp_path / "ecdsa", "ecdsa").with_suffix(".pub").read_text()  # sshd has ed25519 and RSA
    transport = sftp_partner.transport(host_key=pinned)
    with transport, pytest.raises(TransportRejected, match="no host key of the pinned type .ecdsa-sha2-nistp256."):
        transport.send("po.edi", b"x")


def test_a_server_that_never_answers_times_out(sftp_partner: SftpPartner) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does) but never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        transport = sftp_partner.transport(port=silent.getsockname()[1], connect_timeout=0.5)
        started = time.monotonic()
        with transport, pytest.raises(TransportRetryable, match="partner acme: SFTP server 127.0.0.1:.*handshake"):
            list(transport.fetch())
    assert time.monotonic() - started < 5


def test_a_stuck_server_times_out_each_operation(sftp_partner: SftpPartner) -> None:
    transport = sftp_partner.transport(operation_timeout=0.5)
    transport.send("first.edi", b"one")  # logged in; now the server's session process stops answering
    sessions = sftp_partner.server.sessions()
    for pid in sessions:
        os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with pytest.raises(TransportRetryable, match="timed out"):
            transport.send("second.edi", b"two")
        assert time.monotonic() - started < 5
    finally:
        for pid in sessions:
            os.kill(pid, signal.SIGCONT)
    transport.send("second.edi", b"two")  # a new connection
    transport.close()
    assert sorted(os.listdir(sftp_partner.inbound)) == ["first.edi", "second.edi"]


def test_the_host_key_may_be_a_known_hosts_file(sftp_partner: SftpPartner, tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"# pinned\n{sftp_partner.server.host_key_line()}\n")
    with sftp_partner.transport(host_key=str(known_hosts)) as transport:
        assert transport.send("po.edi", b"x").size == 1


def test_a_host_key_that_pins_nothing_is_a_config_error(sftp_partner: SftpPartner) -> None:
    with pytest.raises(ValueError, match="host_key names no public key; expected"):
        sftp_partner.config(host_key="127.0.0.1 nothing-here")


def test_a_key_the_server_does_not_know_is_refused(sftp_partner: SftpPartner, tmp_path: Path) -> None:
    stranger = generate_key(tmp_path / "stranger")
    refused = f"the server refused user '{sftp_partner.server.user}'"
    with sftp_partner.transport(private_key=stranger) as transport, pytest.raises(TransportRejected, match=refused):
        list(transport.fetch())


def test_a_password_comes_only_from_the_environment(sftp_partner: SftpPartner, monkeypatch) -> None:
    monkeypatch.delenv("ACME_SFTP_PASSWORD", raising=False)
    transport = sftp_partner.transport(private_key=None, password_env="ACME_SFTP_PASSWORD")
    with transport, pytest.raises(TransportRejected, match="ACME_SFTP_PASSWORD .password_env. is not set"):
        transport.send("po.edi", b"x")


def test_an_unreachable_server_is_retryable(sftp_partner: SftpPartner) -> None:
    from tests.transports.sshd import free_port

    with sftp_partner.transport(port=free_port()) as transport, pytest.raises(TransportRetryable,
                                                                              match="unreachable"):
        transport.send("po.edi", b"x")


def test_a_server_down_for_a_while_loses_nothing_and_doubles_nothing(sftp_partner: SftpPartner) -> None:
    server: Sshd = sftp_partner.server
    drop(sftp_partner, "in-1.edi", b"ISA*in~")
    transport = sftp_partner.transport()
    transport.send("out-1.edi", b"one")  # a connection is open when the server goes
    server.stop()
    try:
        with pytest.raises(TransportRetryable):
            transport.send("out-2.edi", b"two")
        with pytest.raises(TransportRetryable):
            list(transport.fetch())
    finally:
        server.start()
    for name, data in (("out-1.edi", b"one"), ("out-2.edi", b"two")):  # the delivery task retries both
        transport.send(name, data)
    found = list(transport.fetch())
    assert [(i.name, i.read_bytes()) for i in found] == [("in-1.edi", b"ISA*in~")]
    transport.settle(found[0])
    transport.close()
    assert sorted(os.listdir(sftp_partner.inbound)) == ["out-1.edi", "out-2.edi"]
    assert (sftp_partner.inbound / "out-2.edi").read_bytes() == b"two"
    assert os.listdir(sftp_partner.outbound) == []


def test_open_transport_builds_the_sftp_adapter(sftp_partner: SftpPartner) -> None:
    config: SftpConfig = sftp_partner.config()
    transport = open_transport(config)
    assert transport.kind == "sftp"
