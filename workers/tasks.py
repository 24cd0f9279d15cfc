"""The tasks: thin wrappers around gateway services, registered on the app `create_app` builds.

Every task is keyed by a message id (or a partner id) and safe to run twice: the message's state in the database
says what is left to do. A message's step counts its tries in the database (gateway.pipeline.attempts), so one
that keeps killing its worker goes dead; after the last retry of a retryable error it goes dead with the reason.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from celery import Celery, Task
from celery.utils.time import get_exponential_backoff_interval
from sqlalchemy.exc import OperationalError

from gateway import pipeline
from gateway.as2.receive import post_async_mdn
from gateway.bootstrap import engine_for
from gateway.errors import RETRYABLE, ConfigError, GatewayError, Retryable
from gateway.health import HealthNotes
from gateway.leases import leases_for
from gateway.messages.states import Direction, MessageState
from gateway.partners import PartnersFile
from gateway.pipeline import attempts, sweeper
from gateway.pipeline.deliver import deliver as deliver_message
from gateway.pipeline.deliver import deliver_all
from gateway.polling import poll, polled_transport, receive_service
from gateway.settings import Settings
from transports import TransportError

log = logging.getLogger(__name__)


def register(app: Celery, settings: Settings, partners: PartnersFile) -> None:
    from workers.app import AS2_MDN_TASK, DELIVER_TASK, POLL_TASK, PROCESS_TASK, RETRY_POLICY, SWEEP_TASK

    leases = leases_for(settings)
    intake = receive_service(settings)
    engine = engine_for(settings)  # connects on first use
    health = HealthNotes(engine)  # this process's: successes written at most every few seconds per partner

    def tried(task: Task, message_id: int, owed: int, steps: frozenset[MessageState],
              work: Callable[[], MessageState], counts_itself: bool = False) -> bool:
        """Run `work` as one counted try of the message's step; False when there was nothing to do. A try that
        fails with a retryable error is taken back, or, when the database is away too, owed by the retry. A try
        that took the message out of these steps was taken back by that move (`work` says where it left it).
        `counts_itself`: `work` counts the try in its first unit of work, forgiving `owed`."""
        if not counts_itself and not attempts.begin(engine, message_id, steps, forgive=owed):
            return False
        try:
            if work() not in steps:
                return True
        except RETRYABLE as e:
            try:
                if not isinstance(e, attempts.Uncounted):  # else nothing was counted, and `owed` still is
                    attempts.end(engine, message_id)
                    owed = 0
            except OperationalError:
                owed = 1
            if task.request.retries >= RETRY_POLICY["max_retries"]:
                attempts.give_up(engine, message_id, f"{type(e).__name__}: {e}")
                return True
            countdown = get_exponential_backoff_interval(1, task.request.retries, RETRY_POLICY["retry_backoff_max"],
                                                         full_jitter=True)
            raise task.retry(kwargs={"message_id": message_id, "owed": owed}, exc=e, countdown=countdown) from e
        except Exception as e:  # a bug (processing handles its own; this is delivery's): failed, naming it
            attempts.fail_on_bug(engine, message_id, e)
        attempts.end(engine, message_id)
        return True

    # shared=False everywhere: shared tasks would join every later app.
    @app.task(name=POLL_TASK, shared=False, **RETRY_POLICY)
    def poll_partner(partner_id: str) -> dict[str, Any]:
        """Poll one partner's channel under its lease (see gateway.polling), then wake processing of each file."""
        try:
            partner = partners.get(partner_id)
        except KeyError:
            raise ConfigError([f"partner {partner_id!r} is not in the partners file"]) from None
        try:
            transport = polled_transport(partner, settings.data_dir / "incoming")
            # Each file's processing is woken as soon as it is settled; a lost wake-up is the sweeper's to find.
            report = poll(partner_id, transport, leases, intake, settings.poll_lease_seconds,
                          taken=lambda message_id: process_message.delay(message_id))
        except (GatewayError, TransportError) as e:
            health.failure(partner_id, f"poll: {e}")
            raise
        if report.busy:
            # Another poller holds the lease, or a dead one's lease has not expired yet: try again with backoff.
            # A scheduled poll's retries end with its period (`expires` carries over), so they never pile up.
            raise Retryable(f"partner {partner_id} is being polled elsewhere (its lease is held)")
        health.success(partner_id, "poll")
        return dataclasses.asdict(report)

    @app.task(name=AS2_MDN_TASK, shared=False, **RETRY_POLICY)
    def as2_mdn(exchange_id: int) -> bool:
        """Post the asynchronous MDN of one received AS2 message; retried while the partner is unreachable."""
        return post_async_mdn(engine, exchange_id, settings.as2_timeout_seconds)

    @app.task(name=PROCESS_TASK, shared=False, bind=True, **RETRY_POLICY)
    def process_message(self: Task, message_id: int, owed: int = 0) -> None:
        """Validate, acknowledge, apply and route an inbound message, then deliver what it queued to partners on
        a local transport (folders) and wake the delivery task for the rest."""
        done: list[pipeline.Outcome] = []

        def work() -> MessageState:
            done.append(pipeline.process(engine, settings, message_id))
            return done[-1].state

        tried(self, message_id, owed, attempts.IN_STEPS, work)
        # Also when there was nothing to do: a worker killed before this line (or while delivering) left its
        # deliveries undone. A run that settled the message knows them already.
        queued = done[-1].queued if done and done[-1].queued is not None else None
        waiting = queued if queued is not None else attempts.queued_outbound(engine, message_id)
        for out_id, tries_owed in deliver_all(engine, settings, partners, waiting, health=health).left:
            deliver.apply_async(kwargs={"message_id": out_id, "owed": tries_owed})

    @app.task(name=DELIVER_TASK, shared=False, bind=True, **RETRY_POLICY)
    def deliver(self: Task, message_id: int, owed: int = 0) -> None:
        """Send an outbound message through its partner's transport: queued -> sending -> sent."""
        tried(self, message_id, owed, attempts.OUT_STEPS,
              lambda: deliver_message(engine, settings, partners, message_id, health=health, count_try=owed).state,
              counts_itself=True)

    @app.task(name=SWEEP_TASK, shared=False, **RETRY_POLICY)
    def sweep() -> int:
        """Wake every message stuck in a middle state past `stuck_seconds` (the database is the truth)."""
        found = sweeper.stuck(engine, datetime.now(UTC), settings.stuck_seconds)
        for item in found:
            (process_message if item.direction is Direction.IN else deliver).delay(item.message_id)
        if found:
            log.warning("sweeper: woke %d stuck messages", len(found))
        return len(found)

    @app.task(name="gateway.housekeeping.check_overdue", shared=False, **RETRY_POLICY)
    def check_overdue() -> int:
        """Flag outbound messages waiting too long for their 997/999, or their PO version for its 855/865."""
        return sweeper.flag_overdue(engine, datetime.now(UTC))

    @app.task(name="gateway.housekeeping.purge_retention", shared=False, **RETRY_POLICY)
    def purge_retention() -> int:
        """Remove archived raw bytes of settled messages older than `retention_days`."""
        return pipeline.purge(engine, settings, datetime.now(UTC))
