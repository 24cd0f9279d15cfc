"""The tasks: thin wrappers around gateway services, registered on the app `create_app` builds."""

from __future__ import annotations

import dataclasses
from typing import Any

from celery import Celery

from gateway.as2.receive import post_async_mdn
from gateway.db import make_engine
from gateway.errors import ConfigError, GatewayError, Retryable
from gateway.health import record_failure, record_success
from gateway.leases import leases_for
from gateway.partners import PartnersFile
from gateway.polling import poll, polled_transport, receive_service
from gateway.settings import Settings
from transports import TransportError


def register(app: Celery, settings: Settings, partners: PartnersFile) -> None:
    from workers.app import AS2_MDN_TASK, POLL_TASK, RETRY_POLICY

    leases = leases_for(settings)
    receive = receive_service(settings)
    engine = make_engine(settings.effective_database_url)  # partner health; connects on first use

    @app.task(name=POLL_TASK, shared=False, **RETRY_POLICY)  # shared tasks would join every later app
    def poll_partner(partner_id: str) -> dict[str, Any]:
        """Poll one partner's channel under its lease; see gateway.polling."""
        try:
            partner = partners.get(partner_id)
        except KeyError:
            raise ConfigError([f"partner {partner_id!r} is not in the partners file"]) from None
        try:
            transport = polled_transport(partner, settings.data_dir / "incoming")
            report = poll(partner_id, transport, leases, receive, settings.poll_lease_seconds)
        except (GatewayError, TransportError) as e:
            record_failure(engine, partner_id, f"poll: {e}")
            raise
        if report.busy:
            # Another poller holds the lease, or a dead one's lease has not expired yet: try again with backoff.
            # A scheduled poll's retries end with its period (`expires` carries over), so they never pile up.
            raise Retryable(f"partner {partner_id} is being polled elsewhere (its lease is held)")
        record_success(engine, partner_id, "poll")
        return dataclasses.asdict(report)

    @app.task(name=AS2_MDN_TASK, shared=False, **RETRY_POLICY)
    def as2_mdn(exchange_id: int) -> bool:
        """Post the asynchronous MDN of one received AS2 message; retried while the partner is unreachable."""
        return post_async_mdn(engine, exchange_id, settings.as2_timeout_seconds)
