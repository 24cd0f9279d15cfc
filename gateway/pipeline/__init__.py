"""The pipeline's services: what the workers, the transports and the CLI call (DESIGN section 3).

Each takes an Engine and Settings (or a Session) and ids, owns its units of work, and is safe to run twice
or at once: the message's state and the unique constraints of the message store decide, never memory.

- `receive(engine, settings, data, partner=, transport=, channel_id=) -> Received(message_id, duplicate_of)`:
  transports (folder/SFTP poll, AS2 POST). Archives the bytes (fsynced) and records the message; it is durable
  when this returns, so the transport may then settle the file or send the MDN.
- `process(engine, settings, message_id) -> Outcome`: the inbound task. Validates, queues the 997/999/TA1,
  applies in batches, routes; returns at once when the message is already past these steps.
- `replay(engine, settings, message_id) -> Outcome`: `gateway replay`. A failed, dead, quarantined or routed
  inbound message runs again (its replayable refusals are retried); an outbound one goes back to queued.
- `mark(engine, message_id, state, detail, error=)`: the delivery task; outbound queued -> sending -> sent,
  failed or dead (False when the message was already past that point).
- `overdue_acks(session, now)`, `overdue_responses(session, now)`, `overdue_mdns(session, now)`: the
  scheduler. Outbound documents without the partner's 997/999 within its `ack_window_hours`; PO versions without
  the vendor's 855/865 within its `response_window_hours`; AS2 sends whose asynchronous MDN has not come within
  the `ack_window_hours`.
- `purge(engine, settings, now)`: housekeeping; archived bytes of settled messages older than
  `retention_days`.

Outbound documents end `process` in state queued, their bytes in the blob store (`Message.sha256`) and their file
name in `Message.file_name`; delivery sends exactly those bytes under that name.
"""

from gateway.pipeline.services import Outcome, Received, outcome, process, receive, replay
from gateway.pipeline.watch import Overdue, mark, overdue_acks, overdue_mdns, overdue_responses, purge

__all__ = ["Outcome", "Overdue", "Received", "mark", "outcome", "overdue_acks", "overdue_mdns", "overdue_responses",
           "process", "purge", "receive", "replay"]
