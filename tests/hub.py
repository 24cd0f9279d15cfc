"""A hub for pipeline tests: partners send X12 (written by our writer as they would send it), the gateway
receives and processes it through the services, and the test reads what landed in the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import count
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from gateway.messages.blobs import FileBlobStore
from gateway.messages.tables import Message
from gateway.partners import load_partners
from gateway.pipeline.services import Outcome, process, receive
from gateway.settings import DEFAULT_PARTNERS, Settings
from mappers.x12.segments import Delimiters
from mappers.x12.translate import Document, RenderRequest, render
from mappers.x12.writer import Profile, ThrowawayNumbers

NOW = datetime(2026, 11, 25, 12, 0)
PARTNERS = load_partners(DEFAULT_PARTNERS)


def sent_by(sender_id: str, receiver_id: str, set_id: str, doc: Document, isa13: int, **request: object) -> bytes:
    """`doc` as `sender_id` would send it to `receiver_id`: in the sender's version and delimiters."""
    return sent_together(sender_id, receiver_id, set_id, [RenderRequest(doc, **request)], isa13)  # type: ignore[arg-type]


def sent_together(sender_id: str, receiver_id: str, set_id: str, requests: list[RenderRequest], isa13: int) -> bytes:
    """One interchange of `set_id` sets, one per request, as `sender_id` would send it to `receiver_id`."""
    sender, receiver = PARTNERS.get(sender_id), PARTNERS.get(receiver_id)
    d = sender.delimiters
    profile = Profile(sender.isa_qualifier, sender.isa_id, receiver.isa_qualifier, receiver.isa_id, sender.gs_id,
                      receiver.gs_id, version=sender.x12_version,
                      delimiters=Delimiters(d.element, d.component, d.segment, d.repetition))
    return render(set_id, requests, profile, ThrowawayNumbers(isa13), NOW)


@dataclass
class Hub:
    engine: Engine
    settings: Settings
    isa13: count[int] = field(default_factory=lambda: count(100))

    def send(self, sender: str, receiver: str, set_id: str, doc: Document, **request: object) -> Outcome:
        data = sent_by(sender, receiver, set_id, doc, next(self.isa13), **request)
        return self.ingest(data, sender)

    def ingest(self, data: bytes, partner: str | None = None, name: str = "test.edi") -> Outcome:
        received = receive(self.engine, self.settings, data, partner=partner, transport="test", channel_id=name)
        return process(self.engine, self.settings, received.message_id, now=NOW)

    def message(self, message_id: int) -> Message:
        with Session(self.engine) as session:
            found = session.get(Message, message_id)
            assert found is not None, f"message {message_id} does not exist"
            return found

    def caused_by(self, message_id: int) -> list[Message]:
        with Session(self.engine) as session:
            return list(session.exec(select(Message).where(Message.caused_by_id == message_id)
                                     .order_by(col(Message.id))))

    def outbox(self, message_id: int, partner: str, kind: str = "document") -> list[bytes]:
        """The bytes queued for `partner` because of `message_id`."""
        blobs = FileBlobStore(self.settings.blob_dir)
        return [blobs.get(m.sha256) for m in self.caused_by(message_id) if m.partner_id == partner and m.kind == kind]


def settings_for(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", **values)  # type: ignore[arg-type]
