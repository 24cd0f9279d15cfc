"""Our messages to AS2 partners and the MDNs that answer them: each send is recorded as an outbound exchange
with the MIC we expect; a negative, wrong or missing MDN is written on the message's timeline, and an
asynchronous MDN arriving at `POST /as2` settles its exchange."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy.engine import Engine

from gateway.as2 import store
from gateway.as2.receive import Answer, As2Directory, plain, unquote
from gateway.db import unit_of_work
from gateway.messages.store import add_event
from transports.as2 import mdn
from transports.as2.errors import As2Failure
from transports.as2.sender import As2Receipt, As2Transport, check_mdn
from transports.errors import TransportError, TransportRejected

log = logging.getLogger(__name__)


def send(engine: Engine, directory: As2Directory, partner_id: str, name: str, data: bytes, *,
         message_id: int | None = None, timeout: float = 120) -> As2Receipt:
    """Send stored bytes to an AS2 partner; raise TransportRetryable (try later) or TransportRejected."""
    partner = directory.by_id(partner_id)
    if partner is None:
        raise TransportRejected(f"partner {partner_id} has no AS2 transport in the partners file")
    transport = As2Transport(partner.config, directory.identity, timeout)
    try:
        receipt = transport.send(name, data)
    except TransportError as e:
        transport.close()
        _note(engine, partner_id, transport.message_id(name, data), message_id, e.reason,
              negative=isinstance(e, TransportRejected))
        raise
    transport.close()
    status = "pending" if receipt.disposition is None else "positive"
    with unit_of_work(engine) as session:
        exchange = store.record(session, "out", partner_id, receipt.as2_message_id, message_id=message_id,
                                mic=receipt.mic, mic_hash=receipt.mic_hash)
        assert exchange.id is not None
        # An earlier failed try recorded the exchange without the MIC: an asynchronous MDN is checked against it.
        store.set_mdn_result(session, exchange.id, mdn_status=status, disposition=receipt.disposition,
                             error=None, mic=receipt.mic, mic_hash=receipt.mic_hash)
        if message_id is not None:
            add_event(session, message_id, f"sent over AS2 as {receipt.as2_message_id}; "
                                            + ("awaiting its MDN" if status == "pending" else "positive MDN"))
    return receipt


def _note(engine: Engine, partner_id: str, as2_message_id: str, message_id: int | None, reason: str,
          negative: bool) -> None:
    log.warning("AS2 delivery to %s: %s", partner_id, reason)
    with unit_of_work(engine) as session:
        exchange = store.record(session, "out", partner_id, as2_message_id, message_id=message_id)
        assert exchange.id is not None
        store.set_mdn_result(session, exchange.id, mdn_status="negative" if negative else "pending", error=reason)
        if message_id is not None:
            add_event(session, message_id, reason)


def take_mdn(engine: Engine, directory: As2Directory, headers: Mapping[str, str], body: bytes) -> Answer:
    """An asynchronous MDN a partner posted: check it against the exchange it answers and record it."""
    as2_from = unquote(headers.get("as2-from"))
    partner = directory.partners.get(as2_from)
    if partner is None:
        return plain(403, f"AS2-From {as2_from!r} is not a trading partner of this gateway")
    content_type = headers.get("content-type", "")
    transport = As2Transport(partner.config, directory.identity)
    try:
        original = _original_message_id(content_type, body, transport)
    except As2Failure as failure:
        return plain(400, f"the MDN from {partner.partner_id} cannot be read: {failure.reason}")
    with unit_of_work(engine) as session:
        exchange = store.find(session, "out", partner.partner_id, original)
        if exchange is None or exchange.id is None:
            return plain(404, f"the MDN from {partner.partner_id} answers {original}, which we never sent")
        disposition: str | None = None
        error: str | None = None
        try:
            answer = check_mdn(content_type, body, transport, original, exchange.mic or "")
        except As2Failure as failure:
            status, error = "negative", f"the MDN for {original} is not acceptable: {failure.reason}"
        else:
            status, disposition = ("positive" if answer.positive else "negative"), answer.disposition
            error = None if answer.positive else f"the partner answered \"{answer.disposition}\""
        store.set_mdn_result(session, exchange.id, mdn_status=status, disposition=disposition, error=error)
        if exchange.message_id is not None:
            add_event(session, exchange.message_id, error or f"positive MDN for {original}")
    return Answer(200, {}, b"")


def _original_message_id(content_type: str, body: bytes, transport: As2Transport) -> str:
    return mdn.parse(content_type, body, transport.partner_certificate).original_message_id
