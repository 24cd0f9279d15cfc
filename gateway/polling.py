"""Polling a partner's channel: under its lease, every complete file is handed to the intake (the receive service)
and settled (deleted or archived) only once it has returned, i.e. stored and committed it (DESIGN section 5).

- A file the transport refuses whole (too large, unsafe name) is recorded by the intake with its reason, unread,
  and set aside; so is one the intake finds over GATEWAY_MAX_MESSAGE_BYTES (TooLarge).
- A file the receive service rejects stays where it is and the poll goes on with the next one.
- Anything retryable (directory unreachable, database down) ends the poll and propagates, for the worker's retry
  with backoff; files already settled stay settled, the rest wait for the retry.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from gateway.errors import ConfigError, GatewayError, Rejected, TooLarge
from gateway.leases import Lease, Leases
from gateway.partners import Partner, PartnersFile
from gateway.settings import Settings
from transports import TRANSPORTS, Inbound, PolledTransport, TransportContext, TransportRejected, open_transport

log = logging.getLogger(__name__)


class Intake(Protocol):
    """Where a poll hands what it finds (the pipeline's is gateway.pipeline.intake.PipelineIntake)."""

    def receive(self, partner_id: str, inbound: Inbound) -> int | None:
        """Store `inbound` durably and commit it as a message of `partner_id`; return only once committed, with
        the id of the message to process next (None when there is nothing to process, e.g. a duplicate).
        Raise TooLarge for a file over the gateway's size limit (recorded with `refused` and set aside, like a
        file the transport refused), Rejected for a file that cannot be taken (it stays in place), Retryable to
        try again later."""
        ...

    def refused(self, partner_id: str, inbound: Inbound) -> None:
        """Record a file the transport refused whole (`inbound.refusal`), unread, before it is set aside."""
        ...


class Unavailable:
    """An intake that takes nothing: every file stays where it is (GATEWAY_RECEIVE_SERVICE names it to pause)."""

    def receive(self, partner_id: str, inbound: Inbound) -> int | None:
        raise Rejected(f"partner {partner_id}: {inbound.name} stays in its inbound directory: receiving is "
                       "paused (GATEWAY_RECEIVE_SERVICE=gateway.polling:unavailable)")

    def refused(self, partner_id: str, inbound: Inbound) -> None:
        return None


def unavailable(settings: Settings) -> Intake:
    return Unavailable()


def receive_service(settings: Settings) -> Intake:
    """The intake the settings name: `module:function`, a function called once with the Settings that returns
    the Intake; the one place polls find it."""
    module_name, _, attribute = settings.receive_service.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as e:
        raise ConfigError([f"GATEWAY_RECEIVE_SERVICE: {settings.receive_service!r} cannot be loaded ({e}); "
                           "expected module:function"]) from None
    intake: Intake = factory(settings)
    return intake


def polled_partners(partners: PartnersFile) -> list[Partner]:
    """Partners whose channel the gateway polls and has an adapter for (folder today, SFTP next)."""
    return [p for p in partners.partners if hasattr(p.transport, "poll_seconds") and p.transport.kind in TRANSPORTS]


def polled_transport(partner: Partner, work_dir: Path | None = None) -> PolledTransport:
    """The partner's adapter; `work_dir` (under the data directory) holds local copies of large downloads."""
    transport = open_transport(partner.transport, TransportContext(partner_id=partner.id, work_dir=work_dir))
    if not isinstance(transport, PolledTransport):
        raise ConfigError([f"partner {partner.id}: a {partner.transport.kind} channel is not polled"])
    return transport


@dataclass
class PollReport:
    partner_id: str
    busy: bool = False  # another poller holds the partner's lease: this poll did nothing
    lost_lease: bool = False  # the lease expired mid-poll: stopped, the rest is left to the new holder
    received: list[str] = field(default_factory=list)
    messages: list[int] = field(default_factory=list)  # what the intake committed, for processing next
    refused: list[tuple[str, str]] = field(default_factory=list)  # set aside by the transport, with the reason
    rejected: list[tuple[str, str]] = field(default_factory=list)  # left in place by the receive service


def poll(partner_id: str, transport: PolledTransport, leases: Leases, intake: Intake,
         lease_seconds: float, taken: Callable[[int], object] = lambda message_id: None) -> PollReport:
    """One poll of one partner's channel; see the module's docstring. A poll finding the lease taken does
    nothing and says so (`busy`); the poll task retries it later, since a dead poller's lease expires after
    `lease_seconds`. `taken` is told each committed message id as soon as its file is settled (the worker wakes
    its processing then, not after the whole poll)."""
    report = PollReport(partner_id)
    lease = leases.acquire(f"poll:{partner_id}", lease_seconds)
    if lease is None:
        report.busy = True
        return report
    heartbeat = _Heartbeat(leases, lease, lease_seconds)
    heartbeat.start()
    try:
        for inbound in transport.fetch():
            if heartbeat.lost:
                break
            message_id = _take(partner_id, inbound, transport, intake, report, heartbeat)
            if message_id is not None:
                taken(message_id)
    finally:
        heartbeat.stop()
        leases.release(lease)
        close = getattr(transport, "close", None)  # a connection (SFTP) lives for one poll
        if close is not None:
            close()
    report.lost_lease = heartbeat.lost
    if heartbeat.lost:
        log.warning("poll of %s: lease lost (token %s); stopped, the rest is left to the next holder",
                    partner_id, lease.token)
    return report


class _Heartbeat(threading.Thread):
    """Renews the lease while the poll runs (a 100 MB file may take longer than the lease), so only a dead or
    stuck poller loses it."""

    def __init__(self, leases: Leases, lease: Lease, seconds: float) -> None:
        super().__init__(name=f"lease {lease.name}", daemon=True)
        self.leases, self.lease, self.seconds = leases, lease, seconds
        self.lost = False
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self.seconds / 3):
            try:
                held = self.leases.renew(self.lease, self.seconds)
            except GatewayError as e:  # cannot tell whether we still hold it: act as if not
                log.warning("lease %s cannot be renewed: %s", self.lease.name, e)
                held = False
            if not held:
                self.lost = True
                return

    def stop(self) -> None:
        self._stopped.set()
        self.join()


def _take(partner_id: str, inbound: Inbound, transport: PolledTransport, intake: Intake,
          report: PollReport, heartbeat: _Heartbeat) -> int | None:
    if inbound.refusal is None:
        try:
            return _receive(partner_id, inbound, transport, intake, report, heartbeat)
        except TooLarge as e:  # over the gateway's own limit: refused whole, as over the channel's max_bytes
            inbound = replace(inbound, refusal=e.reason)
    log.warning("partner %s: %s refused: %s", partner_id, inbound.name, inbound.refusal)
    intake.refused(partner_id, inbound)  # recorded first: a crash before the settle records it again
    transport.settle(inbound)  # set aside, so that it is not taken again at every poll
    report.refused.append((inbound.name, inbound.refusal or ""))
    return None


def _receive(partner_id: str, inbound: Inbound, transport: PolledTransport, intake: Intake,
             report: PollReport, heartbeat: _Heartbeat) -> int | None:
    try:
        message_id = intake.receive(partner_id, inbound)
        if heartbeat.lost:  # another poller may be reading it now: leave it to them (duplicates are detected)
            return None
        transport.settle(inbound)  # only now: the receive service has committed it
    except TooLarge:
        raise
    except (Rejected, TransportRejected) as e:
        log.warning("partner %s: %s left in place: %s", partner_id, inbound.name, e.reason)
        report.rejected.append((inbound.name, e.reason))
        return None
    report.received.append(inbound.name)
    if message_id is not None:
        report.messages.append(message_id)
    return message_id
