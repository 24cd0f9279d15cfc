"""Delivery over AS2 through real `gateway worker` + `gateway scheduler` processes on Redis and PostgreSQL:
fabrikam's AS2 server (openssl behind a loopback HTTP server) answers 500, then an MDN with a wrong MIC, then
properly; the delivery task's own retries (not the test) take the 850 to sent with a positive MDN, one AS2
message sent three times."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from gateway.as2.store import As2Exchange
from gateway.messages.blobs import FileBlobStore
from gateway.messages.tables import Message, MessageEvent
from tests.factories import order
from tests.hub import sent_by
from tests.transports.as2.conftest import free_port
from tests.transports.as2.partner_server import PartnerServer, partner_server
from tests.workers.pipeline_gateway import PipelineGateway
from tests.workers.remote_partners import put_on_as2

pytestmark = pytest.mark.slow


def test_partner_answering_500_then_a_wrong_mic_ends_sent_with_a_positive_mdn_through_the_task_retries(
        tmp_path: Path, fresh_postgres: str, redis_url: str, redis_prefix: str,
        gateways: list[PipelineGateway]) -> None:
    gateway = PipelineGateway(tmp_path, fresh_postgres, redis_url, redis_prefix)
    gateways.append(gateway)
    partner_url = f"http://127.0.0.1:{free_port()}/as2"
    fabrikam = put_on_as2(gateway, "fabrikam", partner_url)
    gateway.install()
    with partner_server(PartnerServer(fabrikam, script=["500", "wrong-mic"]), partner_url) as server:
        gateway.start("worker")
        gateway.start("scheduler")
        gateway.drop("contoso", "850-700.edi", sent_by("contoso", "fabrikam", "850", order("AS2-RETRY-1"), 700))

        def settled() -> Message | None:
            with Session(gateway.engine) as session:
                out = session.exec(select(Message).where(Message.direction == "out",
                                                         Message.partner_id == "fabrikam")).first()
            return out if out is not None and out.state in ("sent", "failed", "dead") else None

        message = gateway.wait(settled, 90, "the 850 to fabrikam sent over AS2")
    assert message.state == "sent", f"{message.state}: {message.error}\n{gateway.logs()}"
    assert server.script == []  # the 500 and the wrong MIC were both served before the good answer
    assert len(server.received) == 2 and len({r.headers["message-id"] for r in server.received}) == 1
    assert server.received[-1].payload == FileBlobStore(gateway.settings.blob_dir).get(message.sha256)
    with Session(gateway.engine) as session:
        [exchange] = session.exec(select(As2Exchange).where(As2Exchange.direction == "out")).all()
        timeline = [e.detail for e in session.exec(select(MessageEvent).where(MessageEvent.message_id == message.id))]
    assert (exchange.mdn_status, exchange.error, exchange.message_id) == ("positive", None, message.id)
    assert exchange.mic == server.received[-1].mic
    assert any("answered 500" in line for line in timeline), timeline
    assert any("MIC" in line and "is not the" in line for line in timeline), timeline
    assert any(line.endswith("positive MDN") for line in timeline), timeline
