"""The pipeline's intake: what a poll hands each file to (GATEWAY_RECEIVE_SERVICE's default).

It stores the file with `receive` (archived piece by piece, fsynced, committed) before the poll settles it, and
answers the id of the message the worker should process next; a duplicate needs no processing. A file the transport
refused whole is recorded as a failed message with the transport's reason, so nothing a partner dropped goes unseen;
so is a file over GATEWAY_MAX_MESSAGE_BYTES: `receive` raises TooLarge for it, unread when its listed size says so,
and the poll records and sets it aside like any refused file.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from gateway.bootstrap import engine_for
from gateway.db import unit_of_work
from gateway.errors import Retryable, TooLarge
from gateway.messages.store import record_refused
from gateway.partners import load_partners
from gateway.pipeline.services import receive
from gateway.settings import Settings
from transports import Inbound


class PipelineIntake:
    def __init__(self, engine: Engine, settings: Settings, kinds: dict[str, str]) -> None:
        self.engine, self.settings = engine, settings
        self.kinds = kinds  # partner id -> transport kind, recorded on each message

    def receive(self, partner_id: str, inbound: Inbound) -> int | None:
        if inbound.size > self.settings.max_message_bytes:  # refused before a byte is read
            raise TooLarge(self.settings.max_message_bytes)
        received = receive(self.engine, self.settings, inbound.chunks(), partner=partner_id,
                           transport=self.kinds.get(partner_id), channel_id=inbound.channel_id)
        return None if received.duplicate_of is not None else received.message_id

    def refused(self, partner_id: str, inbound: Inbound) -> None:
        try:
            with unit_of_work(self.engine) as session:
                record_refused(session, partner_id=partner_id, transport=self.kinds.get(partner_id),
                               channel_id=inbound.channel_id, size=inbound.size,
                               reason=inbound.refusal or "refused by its transport")
        except OperationalError as e:
            raise Retryable(f"cannot record a refused file: {str(e).splitlines()[0]}") from e


def pipeline_intake(settings: Settings) -> PipelineIntake:
    partners = load_partners(settings.partners, key_dir=settings.key_dir)
    return PipelineIntake(engine_for(settings), settings, {p.id: p.transport.kind for p in partners.partners})
