"""Receiving an AS2 message: identify the partner, unpack, hand the payload to the receive service (stored and
committed), and only then answer with an MDN, which is kept so a repeated Message-ID gets the same bytes back.

Everything here is synchronous and stateless: any instance of the HTTP app can take any message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from cryptography import x509
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from gateway.as2 import store
from gateway.db import read_session, unit_of_work
from gateway.errors import ConfigError, Retryable, TooLarge
from gateway.messages.store import record_refused
from gateway.partners import PartnersFile
from transports.as2 import mdn
from transports.as2.config import As2Config
from transports.as2.errors import AUTHENTICATION_FAILED, UNEXPECTED_ERROR, As2Failure
from transports.as2.message import Identity, load_certificate, load_identity, unpack

log = logging.getLogger(__name__)
T = TypeVar("T")

# (payload, partner id, AS2 Message-ID) -> the stored message's id; durable when it returns.
Receive = Callable[[bytes, str, str], int]


@dataclass(frozen=True)
class As2Partner:
    partner_id: str
    config: As2Config
    certificate: x509.Certificate


@dataclass(frozen=True)
class As2Directory:
    """Who we are and whom we trade with over AS2, read once from the partners file."""

    identity: Identity
    partners: Mapping[str, As2Partner]  # by AS2 id

    @staticmethod
    def from_partners(partners: PartnersFile) -> As2Directory | None:
        """None when the partners file has no [gateway.as2] table; ConfigError naming each key or certificate
        that cannot be read."""
        own = partners.gateway.as2
        if own is None:
            return None
        problems: list[str] = []
        identity = _loaded(problems, "[gateway.as2] private_key/certificate",
                           lambda: load_identity(own.as2_id, own.private_key, own.certificate))
        found: dict[str, As2Partner] = {}
        for p in partners.partners:
            if isinstance(p.transport, As2Config):
                config = p.transport
                cert = _loaded(problems, f"partner {p.id}: certificate", partial(load_certificate, config.certificate))
                if cert is not None:
                    found[config.as2_id] = As2Partner(p.id, config, cert)
        if problems or identity is None:
            raise ConfigError(problems)
        return As2Directory(identity, found)

    def by_id(self, partner_id: str) -> As2Partner | None:
        return next((p for p in self.partners.values() if p.partner_id == partner_id), None)


@dataclass(frozen=True)
class Answer:
    """The HTTP answer; `post_mdn` names the exchange whose MDN a task must post (asynchronous MDN)."""

    status: int
    headers: dict[str, str]
    body: bytes
    post_mdn: int | None = None


def _loaded(problems: list[str], what: str, load: Callable[[], T]) -> T | None:
    try:
        return load()
    except (OSError, ValueError, TypeError) as e:
        problems.append(f"{what}: {e}; expected a readable PEM (or DER) RSA key and certificate, e.g. from "
                        "`gateway keys generate`")
        return None


def unquote(value: str | None) -> str:
    return (value or "").strip().strip('"')


def handle(engine: Engine, directory: As2Directory, headers: Mapping[str, str], body: bytes,
           receive: Receive) -> Answer:
    """One received AS2 message (headers with lower-case names) to its answer."""
    message_id = (headers.get("message-id") or "").strip()
    if not message_id:
        return plain(400, "the AS2 message has no Message-ID header; expected one, e.g. <unique@sender>")
    request = mdn.requested(headers.get("disposition-notification-options"),
                            headers.get("receipt-delivery-option"))
    wants_mdn = "disposition-notification-to" in headers
    as2_from, as2_to = unquote(headers.get("as2-from")), unquote(headers.get("as2-to"))
    partner = directory.partners.get(as2_from)
    if partner is None or as2_to != directory.identity.as2_id:
        who = f"AS2-From {as2_from!r}" if partner is None else f"AS2-To {as2_to!r}"
        reason = (f"{who} is not a trading partner of this gateway (our AS2 id is "
                  f"{directory.identity.as2_id!r}); add it to the partners file with kind = \"as2\"")
        log.warning("AS2 message %s refused: %s", message_id, reason)
        _record_refusal(engine, partner.partner_id if partner else None, message_id, len(body), reason)
        answer = mdn.build(identity=directory.identity, partner_as2_id=as2_from, original_message_id=message_id,
                           disposition=f"{mdn.PROCESSED}/error: {AUTHENTICATION_FAILED}", mic=None,
                           explanation=reason, request=request)
        return Answer(200, answer.headers, answer.body) if wants_mdn and not request.async_url else plain(
            403, reason)
    with read_session(engine) as session:  # a reader: never waits on (or takes) SQLite's write lock
        seen = store.find(session, "in", partner.partner_id, message_id)
    if seen is not None and seen.mdn is not None:  # a repeat: the original MDN, not processed again
        log.info("AS2 message %s from %s repeated; answered with its original MDN", message_id, partner.partner_id)
        return _answer(seen, request, wants_mdn)
    exchange = _take(engine, directory, partner, message_id, headers, body, request, receive)
    return _answer(exchange, request, wants_mdn)


def _take(engine: Engine, directory: As2Directory, partner: As2Partner, message_id: str,
          headers: Mapping[str, str], body: bytes, request: mdn.Requested, receive: Receive) -> store.As2Exchange:
    content_type = headers.get("content-type", "application/octet-stream")
    stored_id: int | None = None
    mic: tuple[str, str] | None = None
    error: str | None = None
    hint = ""
    if request.unsupported_required:
        disposition = f"{mdn.PROCESSED.split(';')[0]}; failed/Failure: unsupported {request.unsupported_required}"
        error = (f"AS2 message {message_id} from {partner.partner_id} refused: the partner requires "
                 f"{request.unsupported_required}, which the gateway does not support; ask the partner to offer "
                 "a supported one or make it optional")
    else:
        try:
            unpacked = unpack(content_type, body, identity=directory.identity, partner=partner.certificate,
                              mic_hash=request.mic_hash or "sha256", require_signed=partner.config.require_signed,
                              require_encrypted=partner.config.require_encrypted,
                              transfer_encoding=headers.get("content-transfer-encoding"))
        except As2Failure as failure:
            disposition = f"{mdn.PROCESSED}/error: {failure.modifier}"
            error = f"AS2 message {message_id} from {partner.partner_id} refused ({failure.modifier}): {failure.reason}"
            hint = f"; check the partner's certificate {partner.config.certificate} and the gateway's key"
        else:
            try:
                stored_id = receive(unpacked.payload, partner.partner_id, message_id)  # committed before the MDN
            except TooLarge as e:  # the body fit GATEWAY_AS2_MAX_BYTES, its content (decompressed) does not
                disposition = f"{mdn.PROCESSED}/error: {UNEXPECTED_ERROR}"
                error = f"AS2 message {message_id} from {partner.partner_id} refused: {e.reason}"
            else:
                mic, disposition = (unpacked.mic, unpacked.mic_hash), mdn.PROCESSED
    explanation = error or f"The message {message_id} was received and stored; it will be processed."
    if error:  # the operator's entry also names our files to check; the partner's MDN never does
        error += hint
        log.warning("%s", error)
    answer = mdn.build(identity=directory.identity, partner_as2_id=partner.config.as2_id,
                       original_message_id=message_id, disposition=disposition, mic=mic,
                       explanation=explanation, request=request)
    with unit_of_work(engine) as session:  # the first to record it wins; a racing copy answers with that one
        exchange = store.record(session, "in", partner.partner_id, message_id, message_id=stored_id,
                                mic=mic[0] if mic else None, mic_hash=mic[1] if mic else None,
                                mdn_status="negative" if error else "positive", disposition=disposition,
                                mdn=answer.raw(), mdn_url=request.async_url, error=error)
        if error and exchange.message_id is None and exchange.id is not None:  # ours, not a racing copy's
            refused_id = record_refused(session, partner_id=partner.partner_id, transport="as2",
                                        channel_id=message_id, size=len(body), reason=error)
            store.set_mdn_result(session, exchange.id, message_id=refused_id)
        return exchange


def _record_refusal(engine: Engine, partner_id: str | None, message_id: str, size: int, reason: str) -> None:
    """A message refused before it reached a partner's exchange (unknown AS2 ids): a failed message with the
    reason, where operators look (`gateway messages --state failed`), not only in the log. Each repeat is seen."""
    try:
        with unit_of_work(engine) as session:
            record_refused(session, partner_id=partner_id, transport="as2", channel_id=message_id, size=size,
                           reason=reason)
    except OperationalError as e:  # answered 503: the sender tries again and the refusal is recorded then
        raise Retryable(f"cannot record a refused AS2 message: {str(e).splitlines()[0]}") from e


def _answer(exchange: store.As2Exchange, request: mdn.Requested, wants_mdn: bool) -> Answer:
    if not wants_mdn or exchange.mdn is None:
        return Answer(200, {}, b"")
    if exchange.mdn_url or request.async_url:
        return Answer(200, {}, b"", post_mdn=exchange.id)
    sent = mdn.Outgoing.from_raw(exchange.mdn)
    return Answer(200, sent.headers, sent.body)


def plain(status: int, reason: str) -> Answer:
    return Answer(status, {"Content-Type": "text/plain; charset=utf-8"}, (reason + "\n").encode())


def post_async_mdn(engine: Engine, exchange_id: int, timeout: float) -> bool:
    """Post the MDN we owe for an exchange to the URL its sender gave; False when there is nothing to post."""
    from transports.as2.client import post

    with read_session(engine) as session:
        exchange = session.get(store.As2Exchange, exchange_id)
    if exchange is None or exchange.mdn is None or not exchange.mdn_url:
        return False
    sent = mdn.Outgoing.from_raw(exchange.mdn)
    post(exchange.mdn_url, sent.headers, sent.body, timeout,
         f"the asynchronous MDN for {exchange.as2_message_id} of {exchange.partner_id}")
    return True
