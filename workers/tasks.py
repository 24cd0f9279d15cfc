"""The tasks: thin wrappers around gateway services, registered on the app `create_app` builds."""

from __future__ import annotations

import dataclasses
from typing import Any

from celery import Celery

from gateway.as2.receive import post_async_mdn
from gateway.bootstrap import engine_for
from gateway.errors import ConfigError, Retryable
from gateway.leases import leases_for
from gateway.partners import PartnersFile
from gateway.polling import poll, polled_transport, receive_service
from gateway.settings import Settings


def register(app: Celery, settings: Settings, partners: PartnersFile) -> None:
    from workers.app import AS2_MDN_TASK, POLL_TASK, RETRY_POLICY

    leases = leases_for(settings)
    receive = receive_service(settings)

    @app.task(name=POLL_TASK, shared=False, **RETRY_POLICY)  # shared tasks would join every later app
    def poll_partner(partner_id: str) -> dict[str, Any]:
        """Poll one partner's channel under its lease; see gateway.polling."""
        try:
            partner = partners.get(partner_id)
        except KeyError:
            raise ConfigError([f"partner {partner_id!r} is not in the partners file"]) from None
        report = poll(partner_id, polled_transport(partner), leases, receive, settings.poll_lease_seconds)
        if report.busy:
            # Another poller holds the lease, or a dead one's lease has not expired yet: try again with backoff.
            # A scheduled poll's retries end with its period (`expires` carries over), so they never pile up.
            raise Retryable(f"partner {partner_id} is being polled elsewhere (its lease is held)")
        return dataclasses.asdict(report)

    @app.task(name=AS2_MDN_TASK, shared=False, **RETRY_POLICY)
    def as2_mdn(exchange_id: int) -> bool:
        """Post the asynchronous MDN of one received AS2 message; retried while the partner is unreachable."""
        return post_async_mdn(engine_for(settings), exchange_id, settings.as2_timeout_seconds)
