"""The gateway sends to fabrikam's AS2 server, where openssl decrypts and verifies each message and signs the MDN:
every cipher and signature hash we send, compressed or not, synchronous and asynchronous MDNs, and a partner
that fails before it answers properly."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from gateway.as2.outbound import send
from gateway.as2.receive import As2Directory, As2Partner
from gateway.as2.store import As2Exchange
from gateway.messages.states import MessageState
from gateway.messages.tables import MessageEvent
from gateway.partners import load_partners
from gateway.pipeline import sweeper
from gateway.pipeline.deliver import deliver
from gateway.pipeline.services import receive
from tests.hub import Hub
from tests.test_delivery import vendor_850
from tests.transports.as2.conftest import Served, partners_file
from tests.transports.as2.openssl_partner import OpensslPartner
from tests.transports.as2.partner_server import PartnerServer, partner_server
from tests.transports.as2.test_receive import PAYLOAD
from transports.as2.config import As2Config
from transports.errors import TransportRejected, TransportRetryable

SENT = [pytest.param(cipher, hash_name, i % 2 == 1, id=f"{cipher}-{hash_name}-{'zlib' if i % 2 else 'plain'}")
        for i, (cipher, hash_name) in enumerate((c, h) for c in ("aes128_cbc", "aes192_cbc", "aes256_cbc")
                                                for h in ("sha256", "sha384", "sha512"))]


def directory_for(served: Served, partner_url: str, **options: object) -> As2Directory:
    """The gateway's directory with fabrikam's AS2 settings replaced by `options`."""
    directory = As2Directory.from_partners(load_partners(served.settings.partners))
    assert directory is not None
    fabrikam = directory.partners["FABRIKAM-AS2"]
    config = As2Config.model_validate({**fabrikam.config.model_dump(), "url": partner_url, **options})
    return As2Directory(directory.identity, {"FABRIKAM-AS2": As2Partner("fabrikam", config, fabrikam.certificate)})


def outbound(served: Served) -> list[As2Exchange]:
    with Session(served.engine) as session:
        return list(session.exec(select(As2Exchange).where(As2Exchange.direction == "out")).all())


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("cipher", "hash_name", "compress"), SENT)
def test_sent_message_opens_in_openssl_and_its_signed_mdn_with_the_openssl_mic_is_accepted(
        gateway: Served, partner: OpensslPartner, partner_url: str, cipher: str, hash_name: str,
        compress: bool) -> None:
    directory = directory_for(gateway, partner_url, encrypt=cipher, sign=hash_name, compress=compress)
    with partner_server(PartnerServer(partner), partner_url) as server:
        receipt = send(gateway.engine, directory, "fabrikam", "855-0001.edi", PAYLOAD)
    [got] = server.received
    assert got.payload == PAYLOAD
    assert receipt.mic == got.mic
    assert receipt.disposition == "automatic-action/MDN-sent-automatically; processed"
    [exchange] = outbound(gateway)
    assert (exchange.mdn_status, exchange.as2_message_id) == ("positive", got.headers["message-id"])


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_asynchronous_mdn_posted_back_to_our_as2_address_settles_the_exchange(
        gateway: Served, partner: OpensslPartner, partner_url: str) -> None:
    directory = directory_for(gateway, partner_url, mdn="async", mdn_url=f"{gateway.url}/as2")
    with partner_server(PartnerServer(partner), partner_url) as server:
        receipt = send(gateway.engine, directory, "fabrikam", "855-0002.edi", PAYLOAD)
        assert receipt.disposition is None
        deadline = time.monotonic() + 10
        while not server.async_posts and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [r.status_code for r in server.async_posts] == [200]
    [exchange] = outbound(gateway)
    assert exchange.mdn_status == "positive", exchange.error
    assert exchange.mic == server.received[0].mic


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_partner_answering_500_then_a_wrong_mic_is_retried_until_the_mdn_is_positive(
        gateway: Served, partner: OpensslPartner, partner_url: str) -> None:
    directory = directory_for(gateway, partner_url)
    failures: list[str] = []
    with partner_server(PartnerServer(partner, script=["500", "wrong-mic"]), partner_url) as server:
        for _ in range(3):  # what the delivery task's retries do
            try:
                receipt = send(gateway.engine, directory, "fabrikam", "855-0003.edi", PAYLOAD)
                break
            except TransportRetryable as e:
                failures.append(e.reason)
                [exchange] = outbound(gateway)
                assert exchange.mdn_status == "pending" and exchange.error == e.reason
    assert "answered 500" in failures[0]
    assert "MIC" in failures[1] and "is not the" in failures[1]
    assert receipt.disposition == "automatic-action/MDN-sent-automatically; processed"
    assert len({r.headers["message-id"] for r in server.received}) == 1  # one AS2 message, retried
    [exchange] = outbound(gateway)
    assert exchange.mdn_status == "positive" and exchange.error is None


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_negative_mdn_is_rejected_and_shows_on_the_message_timeline(
        gateway: Served, partner: OpensslPartner, partner_url: str) -> None:
    directory = directory_for(gateway, partner_url)
    message_id = receive(gateway.engine, gateway.settings, PAYLOAD, partner="fabrikam").message_id
    with partner_server(PartnerServer(partner, script=["negative"]), partner_url), \
            pytest.raises(TransportRejected) as refused:
        send(gateway.engine, directory, "fabrikam", "855-0004.edi", PAYLOAD, message_id=message_id)
    assert "processed/error: decryption-failed" in refused.value.reason
    with Session(gateway.engine) as session:
        timeline = [e.detail for e in session.exec(select(MessageEvent).where(MessageEvent.message_id == message_id))]
    assert refused.value.reason in timeline
    [exchange] = outbound(gateway)
    assert (exchange.mdn_status, exchange.message_id) == ("negative", message_id)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_an_asynchronous_mdn_that_never_comes_flags_the_message_overdue(
        gateway: Served, partner: OpensslPartner, partner_url: str, keys: dict[str, tuple[Path, Path]],
        tmp_path: Path) -> None:
    (tmp_path / "async").mkdir()
    partners = load_partners(partners_file(tmp_path / "async", keys, partner_url, mdn='"async"',
                                           mdn_url=f'"{gateway.url}/as2"'))
    hub = Hub(gateway.engine, gateway.settings)
    queued = vendor_850(hub)
    with partner_server(PartnerServer(partner, script=["no-mdn"]), partner_url) as server:
        delivery = deliver(gateway.engine, gateway.settings, partners, queued.id)
    assert delivery.state is MessageState.SENT and len(server.received) == 1
    [exchange] = outbound(gateway)
    assert (exchange.mdn_status, exchange.message_id) == ("pending", queued.id)

    now = datetime.now(UTC)
    assert sweeper.flag_overdue(gateway.engine, now + timedelta(hours=23)) == 0  # within fabrikam's ack window
    sweeper.flag_overdue(gateway.engine, now + timedelta(hours=25))
    # The 997 is late too, but a missing MDN says more: fabrikam may not have the message at all.
    assert hub.message(queued.id).overdue == (f"AS2 message {exchange.as2_message_id}: no MDN from fabrikam "
                                              "within 24 h")
    with Session(gateway.engine) as session:
        timeline = [e.detail for e in session.exec(select(MessageEvent).where(MessageEvent.message_id == queued.id))]
    assert f"overdue: {hub.message(queued.id).overdue}" in timeline
