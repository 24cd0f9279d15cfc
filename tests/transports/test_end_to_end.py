"""The whole trip over real transports: contoso (a customer) on SFTP, a mailbox on the suite's OpenSSH server
(host key pinned, key auth); fabrikam (a vendor) on AS2, played by openssl behind a loopback HTTP server; our
`/as2` served by `gateway serve` (uvicorn); real `gateway worker` + `gateway scheduler` processes on Redis and
PostgreSQL, because polling, processing, delivery and their retries are the workers' job and the point here.

850 dropped on contoso's server -> polled, processed -> the 850 to fabrikam over AS2 with a positive signed MDN;
fabrikam posts its 997 for it (reconciled) and its 855 to our `/as2` (signed, encrypted, MDN back) -> the 855
on contoso's server; a 997 each way: ours to contoso on SFTP, ours to fabrikam over AS2."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from gateway import workspace
from gateway.as2.store import As2Exchange
from gateway.canonical import ResponseStatus, VendorResponse
from gateway.messages.tables import Message
from mappers.x12.acks import AckOptions, acknowledge
from mappers.x12.validate import validate
from mappers.x12.writer import ThrowawayNumbers
from tests.factories import line, listed, order, split
from tests.hub import NOW, sent_by
from tests.test_pipeline_scenario import first_set
from tests.transports.as2.conftest import free_port
from tests.transports.as2.openssl_partner import OpensslPartner
from tests.transports.as2.partner_server import PartnerServer, partner_server
from tests.transports.sshd import Sshd
from tests.workers.conftest import fresh_postgres, gateways  # noqa: F401  (fixtures)
from tests.workers.pipeline_gateway import PipelineGateway
from tests.workers.remote_partners import put_on_as2, put_on_sftp
from tests.x12.helpers import assert_clean

pytestmark = pytest.mark.slow
PO = "E2E-AS2-1"


def arrived(gateway: PipelineGateway, folder: Path, seen: set[Path], what: str) -> bytes:
    """The one new file in a partner's SFTP directory (as the server's disk sees it)."""
    def new() -> list[Path]:
        return [p for p in folder.iterdir() if p not in seen and not p.name.startswith(".")]

    [path] = gateway.wait(new, 60, what)
    seen.add(path)
    return path.read_bytes()


def posted(gateway: PipelineGateway, fabrikam: OpensslPartner, payload: bytes) -> dict[str, str]:
    """Fabrikam posts `payload` to our /as2, signed and encrypted by openssl; the fields of our signed MDN."""
    built = fabrikam.build(payload)
    response = httpx.post(f"http://127.0.0.1:{gateway.env['GATEWAY_PORT']}/as2", headers=built.headers,
                          content=built.body, timeout=30)
    assert response.status_code == 200, response.text
    return fabrikam.read_mdn(response.headers["content-type"], response.content)


def received_by(server: PartnerServer, set_id: str, gateway: PipelineGateway) -> bytes:
    def found() -> list[bytes]:
        return [r.payload for r in server.received if first_set(r.payload)[2].set_id == set_id]

    [payload] = gateway.wait(found, 60, f"a {set_id} received by fabrikam over AS2")
    return payload


def serving(gateway: PipelineGateway) -> None:
    def healthy() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{gateway.env['GATEWAY_PORT']}/health", timeout=2).is_success
        except httpx.HTTPError:
            return False

    gateway.wait(healthy, 30, "gateway serve answering /health")


def test_850_in_over_sftp_out_over_as2_and_the_855_back_with_997s_both_ways(
        tmp_path: Path, sshd: Sshd, fresh_postgres: str, redis_url: str, redis_prefix: str,  # noqa: F811
        gateways: list[PipelineGateway]) -> None:  # noqa: F811
    gateway = PipelineGateway(tmp_path, fresh_postgres, redis_url, redis_prefix, GATEWAY_KEY_DIR=str(tmp_path / "keys"))
    gateways.append(gateway)
    partner_url = f"http://127.0.0.1:{free_port()}/as2"
    fabrikam = put_on_as2(gateway, "fabrikam", partner_url)
    contoso_drops, contoso_box = put_on_sftp(gateway, "contoso", sshd)
    seen: set[Path] = set()
    gateway.install()
    with partner_server(PartnerServer(fabrikam), partner_url) as server:
        for command in ("worker", "scheduler", "serve"):
            gateway.start(command)
        serving(gateway)

        original = order(PO, [line(1, 100, "9.25"), line(2, 40, "3.10")], vendor="fabrikam")
        (contoso_drops / ".850-800.edi.part").write_bytes(sent_by("contoso", "fabrikam", "850", original, 800))
        (contoso_drops / ".850-800.edi.part").rename(contoso_drops / "850-800.edi")

        ack = arrived(gateway, contoso_box, seen, "our 997 for contoso's 850 on its SFTP server")
        assert_clean(ack)
        assert first_set(ack)[2].set_id == "997" and "AK5*A" in ack.decode()
        vendor_850 = received_by(server, "850", gateway)
        assert_clean(vendor_850)
        assert first_set(vendor_850)[2].one("BEG").elements[1:4] == ("00", "SA", PO)
        assert gateway.wait(lambda: listed(gateway.engine, workspace.PoList.FOR_REVIEW, "fabrikam"), 30,
                            "the PO in fabrikam's list for review") == [PO]
        assert not [p for p in contoso_drops.iterdir() if not p.is_dir()]  # taken off the server once stored

        # Fabrikam acknowledges our 850 over AS2: reconciled with it, never forwarded.
        their_997 = acknowledge(validate(vendor_850).interchanges[0], AckOptions(), ThrowawayNumbers(900), NOW)
        assert their_997 is not None
        assert posted(gateway, fabrikam, their_997)["disposition"].endswith("; processed")

        def reconciled() -> Message | None:
            with Session(gateway.engine) as session:
                ours = session.exec(select(Message).where(Message.direction == "out", Message.partner_id ==
                                                          "fabrikam", Message.kind == "document")).one()
            return ours if ours.ack_status == "A" else None

        assert gateway.wait(reconciled, 60, "fabrikam's 997 reconciled with our 850").state == "acknowledged"

        # Fabrikam answers with an 855 over AS2: to contoso's SFTP server, and our 997 back to fabrikam over AS2.
        answer = VendorResponse(po_number=PO, status=ResponseStatus.ACCEPT_WITH_CHANGES,
                                response_date=date(2026, 11, 26),
                                lines=(split(1, (60, date(2026, 12, 1)), (40, date(2026, 12, 15))),))
        mdn = posted(gateway, fabrikam, sent_by("fabrikam", "contoso", "855", answer, 901, answers=original))
        assert mdn["disposition"].endswith("; processed") and "received-content-mic" in mdn
        customer_855 = arrived(gateway, contoso_box, seen, "the 855 on contoso's SFTP server")
        assert_clean(customer_855)
        assert first_set(customer_855)[2].set_id == "855"
        our_997 = received_by(server, "997", gateway)
        assert_clean(our_997)
        assert "AK5*A" in our_997.decode()
        assert gateway.wait(lambda: listed(gateway.engine, workspace.PoList.AWAITING_CUSTOMER, "fabrikam"), 30,
                            "the PO awaiting contoso's action") == [PO]
        assert listed(gateway.engine, workspace.PoList.FOR_REVIEW, "fabrikam") == []
    time.sleep(0.5)  # nothing else arrives late: exactly one 997 and one 855 for contoso, one 850 and one 997 out
    assert sorted(first_set(p.read_bytes())[2].set_id for p in contoso_box.iterdir()) == ["855", "997"]
    assert sorted(first_set(r.payload)[2].set_id for r in server.received) == ["850", "997"]
    with Session(gateway.engine) as session:
        exchanges = session.exec(select(As2Exchange).order_by(As2Exchange.id)).all()
    # Ours out, each with fabrikam's positive signed MDN carrying the MIC openssl computed; theirs in, answered.
    assert [(e.direction, e.mdn_status) for e in exchanges] == [("out", "positive"), ("in", "positive"),
                                                                 ("in", "positive"), ("out", "positive")]
    assert [e.mic for e in exchanges if e.direction == "out"] == [r.mic for r in server.received]
