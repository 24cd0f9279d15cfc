"""A transport held in memory, shipped beside the real ones (as httpx ships MockTransport): for tests of what
stands on the seam (polls, deliveries) without a folder or a server. It keeps the same promises as the folder
transport: the same name rules, settle only what was fetched, never overwrite, the same bytes again is sent."""

from __future__ import annotations

from collections.abc import Iterator

from transports import rules
from transports.base import Inbound, Receipt
from transports.errors import TransportRejected


class MemoryTransport:
    kind = "memory"

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.inbox: dict[str, bytes] = {}  # what the partner dropped for us, by name
        self.outbox: dict[str, bytes] = {}  # what we delivered, by name
        self.settled: list[str] = []
        self.max_bytes = max_bytes

    def fetch(self) -> Iterator[Inbound]:
        for name in sorted(self.inbox):
            if rules.still_being_written(name):
                continue
            data = self.inbox[name]
            refusal = rules.unsafe_name(name) or rules.too_large(len(data), self.max_bytes)
            yield Inbound(channel_id=name, name=name, size=len(data), data=data, refusal=refusal)

    def settle(self, inbound: Inbound) -> None:
        if self.inbox.pop(inbound.channel_id, None) is not None:
            self.settled.append(inbound.channel_id)

    def send(self, name: str, data: bytes) -> Receipt:
        reason = rules.unsafe_name(name)
        if reason:
            raise TransportRejected(f"cannot send {rules.readable_name(name)}: {reason}")
        if name in self.outbox:
            if self.outbox[name] != data:
                raise TransportRejected(f"a different file named {name} is already there; it was not overwritten")
            return Receipt.of(name, f"memory:{name}", data, already_there=True)
        self.outbox[name] = data
        return Receipt.of(name, f"memory:{name}", data)
