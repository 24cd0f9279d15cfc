"""The in-memory transport keeps the folder transport's promises, so tests standing on the seam can use it."""

from __future__ import annotations

import pytest

from gateway.leases import FileLeases
from gateway.polling import poll
from tests.test_polling import Recorder
from transports import PolledTransport
from transports.errors import TransportRejected
from transports.memory import MemoryTransport


def test_it_fits_the_seam_and_a_poll_settles_what_was_received(tmp_path):
    transport = MemoryTransport(max_bytes=5)
    assert isinstance(transport, PolledTransport)
    transport.inbox.update({"a.edi": b"ISA", "b.part": b"ISA", "big.edi": b"ISA*00*", "bad\x1b.edi": b"ISA"})
    intake = Recorder()
    report = poll("contoso", transport, FileLeases(tmp_path), intake, 30)
    assert [name for _, name, _ in intake.received] == ["a.edi"] and report.received == ["a.edi"]
    assert sorted(name for name, _ in report.refused) == ["bad\x1b.edi", "big.edi"]
    assert sorted(name for _, name, _ in intake.refusals) == ["bad\x1b.edi", "big.edi"]
    assert transport.inbox == {"b.part": b"ISA"}


def test_send_never_overwrites_and_a_retry_is_sent():
    transport = MemoryTransport()
    transport.send("850.edi", b"ISA")
    assert transport.send("850.edi", b"ISA").already_there
    with pytest.raises(TransportRejected, match="a different file named 850.edi"):
        transport.send("850.edi", b"GS")
    with pytest.raises(TransportRejected, match="cannot send"):
        transport.send("../850.edi", b"ISA")
    assert transport.outbox == {"850.edi": b"ISA"}
