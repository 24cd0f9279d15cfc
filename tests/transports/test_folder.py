"""The folder transport on a real filesystem: what a partner dropping and picking up files would notice."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from transports import TRANSPORTS, PolledTransport, Transport, open_transport
from transports.errors import TransportRejected, TransportRetryable
from transports.folder import FolderConfig, FolderTransport

ISA = b"ISA*00*          *00*          *ZZ*CONTOSO        *ZZ*FABRIKAM       *261125*1939*U*00401*000000001*0*P*>~"


def folder(tmp_path: Path, **options: object) -> FolderTransport:
    (tmp_path / "in").mkdir(exist_ok=True)
    (tmp_path / "out").mkdir(exist_ok=True)
    config = FolderConfig(kind="folder", inbound_dir=tmp_path / "in", outbound_dir=tmp_path / "out", **options)
    return FolderTransport(config)


def drop(directory: Path, name: str, data: bytes = ISA, age: float = 0) -> Path:
    path = directory / name
    path.write_bytes(data)
    if age:
        then = time.time() - age
        os.utime(path, (then, then))
    return path


def names(transport: FolderTransport) -> list[str]:
    return [i.name for i in transport.fetch() if i.refusal is None]


def test_folder_is_the_registered_folder_kind_and_fits_the_seam(tmp_path):
    transport = open_transport(folder(tmp_path).config)
    assert TRANSPORTS["folder"] is FolderTransport
    assert isinstance(transport, Transport) and isinstance(transport, PolledTransport)


def test_unknown_kinds_have_no_adapter_yet():
    from transports.as2 import As2Config

    config = As2Config(kind="as2", as2_id="ACME", url="https://as2.acme.example/as2", certificate=Path("acme.pem"))
    with pytest.raises(TransportRejected, match="no adapter for kind 'as2'"):
        open_transport(config)


def test_fetch_yields_complete_files_in_name_order_with_their_bytes(tmp_path):
    transport = folder(tmp_path)
    drop(tmp_path / "in", "b.edi", b"second")
    drop(tmp_path / "in", "a.edi", b"first")
    found = list(transport.fetch())
    assert [(i.name, i.size, i.read_bytes()) for i in found] == [("a.edi", 5, b"first"), ("b.edi", 6, b"second")]
    assert all(i.channel_id == i.name and i.refusal is None for i in found)


def test_files_still_being_written_are_skipped(tmp_path):
    transport = folder(tmp_path)
    for name in (".hidden.edi", "po.edi.tmp", "po.edi.part", "PO.EDI.PART"):
        drop(tmp_path / "in", name)
    (tmp_path / "in" / "subdir").mkdir()
    assert list(transport.fetch()) == []


def test_a_file_is_taken_once_unchanged_for_settle_seconds(tmp_path):
    transport = folder(tmp_path, settle_seconds=30)
    drop(tmp_path / "in", "fresh.edi")
    drop(tmp_path / "in", "old.edi", age=31)
    assert names(transport) == ["old.edi"]
    assert names(folder(tmp_path)) == ["fresh.edi", "old.edi"]  # settle_seconds 0: taken at once


def test_a_file_over_the_limit_is_refused_whole_unread_and_set_aside(tmp_path):
    transport = folder(tmp_path, max_bytes=10)
    drop(tmp_path / "in", "big.edi", b"x" * 11)
    drop(tmp_path / "in", "small.edi", b"x" * 10)
    big, small = transport.fetch()
    assert big.refusal == "the file is 11 bytes, over the limit of 10 bytes (max_bytes)"
    assert small.refusal is None
    transport.settle(big)
    assert (tmp_path / "in" / "refused" / "big.edi").read_bytes() == b"x" * 11  # kept for the operator
    assert names(transport) == ["small.edi"]


def test_unsafe_names_and_links_are_refused_never_followed(tmp_path):
    transport = folder(tmp_path)
    drop(tmp_path / "in", "po\nforged.edi")
    os.symlink("/etc/hostname", tmp_path / "in" / "link.edi")
    refused = {i.name: i.refusal for i in transport.fetch()}
    assert refused == {"link.edi": "it is not a regular file (a link or a device)",
                       "po\nforged.edi": "the file name 'po\\nforged.edi' contains control characters"}
    for inbound in transport.fetch():
        transport.settle(inbound)
    assert sorted(os.listdir(tmp_path / "in" / "refused")) == ["link.edi", "po_forged.edi"]
    assert os.path.islink(tmp_path / "in" / "refused" / "link.edi")


def test_settle_deletes_or_archives_and_is_safe_to_repeat(tmp_path):
    deleting = folder(tmp_path)
    drop(tmp_path / "in", "a.edi")
    (inbound,) = deleting.fetch()
    deleting.settle(inbound)
    deleting.settle(inbound)  # a retry after a crash: already settled
    assert os.listdir(tmp_path / "in") == []

    archiving = folder(tmp_path, archive_dir=tmp_path / "archive")
    for data in (b"monday", b"tuesday"):  # the same name twice: the first archived copy is kept
        drop(tmp_path / "in", "daily.edi", data)
        (inbound,) = archiving.fetch()
        archiving.settle(inbound)
    assert (tmp_path / "archive" / "daily.edi").read_bytes() == b"monday"
    assert (tmp_path / "archive" / "daily.edi.1").read_bytes() == b"tuesday"


def test_a_file_that_changed_after_it_was_read_is_left_to_be_read_again(tmp_path):
    transport = folder(tmp_path)
    path = drop(tmp_path / "in", "growing.edi", b"ISA")
    (inbound,) = transport.fetch()
    path.write_bytes(b"ISA*00*more")
    with pytest.raises(TransportRejected, match="growing.edi changed after it was read"):
        transport.settle(inbound)
    assert path.read_bytes() == b"ISA*00*more"


def test_send_places_the_file_atomically_and_leaves_no_temporary(tmp_path):
    transport = folder(tmp_path)
    receipt = transport.send("850_0001.edi", ISA)
    assert (tmp_path / "out" / "850_0001.edi").read_bytes() == ISA
    assert os.listdir(tmp_path / "out") == ["850_0001.edi"]
    assert (receipt.name, receipt.size, receipt.already_there) == ("850_0001.edi", len(ISA), False)


def test_a_retry_with_the_same_bytes_counts_as_sent_a_different_file_is_never_overwritten(tmp_path):
    transport = folder(tmp_path)
    transport.send("850_0001.edi", ISA)
    assert transport.send("850_0001.edi", ISA).already_there
    with pytest.raises(TransportRejected, match="a different file named 850_0001.edi is already in"):
        transport.send("850_0001.edi", ISA + b"GS")
    assert (tmp_path / "out" / "850_0001.edi").read_bytes() == ISA
    assert os.listdir(tmp_path / "out") == ["850_0001.edi"]


@pytest.mark.parametrize("name", ["../escape.edi", "sub/dir.edi", "..", "bell\x07.edi", "", ".hidden", "x.tmp"])
def test_send_refuses_names_that_are_not_plain_file_names(tmp_path, name):
    with pytest.raises(TransportRejected, match="cannot send"):
        folder(tmp_path).send(name, ISA)
    assert not (tmp_path / "escape.edi").exists() and os.listdir(tmp_path / "out") == []


def test_a_missing_directory_is_retryable_unless_the_partner_asks_to_create_it(tmp_path):
    config = FolderConfig(kind="folder", inbound_dir=tmp_path / "gone-in", outbound_dir=tmp_path / "gone-out")
    with pytest.raises(TransportRetryable, match="inbound directory .*gone-in is unreachable"):
        list(FolderTransport(config).fetch())
    with pytest.raises(TransportRetryable, match="outbound directory .*gone-out is unreachable"):
        FolderTransport(config).send("a.edi", ISA)
    creating = FolderTransport(config.model_copy(update={"create_dirs": True}))
    assert list(creating.fetch()) == [] and creating.send("a.edi", ISA).size == len(ISA)


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A real 64 KiB filesystem (tmpfs): root can mount one; elsewhere the test skips loudly."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"SKIPPED LOUDLY: cannot mount a small tmpfs to fill ({done.stderr.strip()})")
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=True)


def test_a_full_disk_is_retryable_and_leaves_nothing_half_written(tiny_disk):
    (tiny_disk / "in").mkdir()
    (tiny_disk / "out").mkdir()
    transport = FolderTransport(FolderConfig(kind="folder", inbound_dir=tiny_disk / "in",
                                             outbound_dir=tiny_disk / "out"))
    with pytest.raises(TransportRetryable, match="the disk is full"):
        transport.send("big.edi", b"x" * 200_000)
    assert os.listdir(tiny_disk / "out") == []
    assert transport.send("small.edi", ISA).size == len(ISA)  # room again once the half-written one is gone
