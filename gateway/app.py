"""The HTTP application: the health check and AS2 receive (`POST /as2`). The REST API and the dashboard arrive
in later issues."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import Engine

from gateway.as2.receive import As2Directory, Receive
from gateway.as2_endpoint import PostMdn, as2_router
from gateway.bootstrap import engine_for
from gateway.partners import load_partners
from gateway.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, receive: Receive | None = None, post_mdn: PostMdn | None = None) -> FastAPI:
    """`receive` and `post_mdn` default to the pipeline's receive service and the Celery task that posts
    asynchronous MDNs; tests and benchmarks may pass their own."""
    app = FastAPI(title="EDI gateway for vendor collaboration", version="0.1.0")
    engine = engine_for(settings)

    @app.get("/health")
    def health() -> dict[str, str]:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "database": engine.dialect.name}

    directory = As2Directory.from_partners(load_partners(settings.partners, key_dir=settings.key_dir))
    app.include_router(as2_router(engine, directory, receive or _pipeline_receive(engine, settings),
                                  post_mdn or _queue_mdn(settings), settings.as2_max_bytes))
    return app


def _pipeline_receive(engine: Engine, settings: Settings) -> Receive:
    from gateway.pipeline.services import receive

    wake = _sender(settings)

    def stored(payload: bytes, partner_id: str, as2_message_id: str) -> int:
        received = receive(engine, settings, payload, partner=partner_id, transport="as2",
                           channel_id=as2_message_id)
        if received.duplicate_of is None:
            # Committed before this wake-up: if the broker loses it, the sweeper finds the message all the same.
            try:
                wake("PROCESS_TASK", received.message_id)
            except Exception as e:  # noqa: BLE001  (a broker away must not cost the partner its positive MDN)
                log.warning("AS2 message %s stored as message %d; processing not woken (%s): the sweeper will",
                            as2_message_id, received.message_id, e)
        return received.message_id

    return stored


def _queue_mdn(settings: Settings) -> PostMdn:
    send = _sender(settings)
    return lambda exchange_id: send("AS2_MDN_TASK", exchange_id)


def _sender(settings: Settings) -> Callable[[str, int], None]:
    """Sends a task (named by its constant in workers.app) with one id; the Celery app is built on first use."""
    celery: list[Any] = []

    def send(task: str, ident: int) -> None:
        import workers.app  # the workers build on the gateway, not the reverse

        if not celery:
            celery.append(workers.app.create_app(settings))
        celery[0].send_task(getattr(workers.app, task), args=[ident])

    return send


def app_from_environment() -> FastAPI:
    """For `uvicorn --factory gateway.app:app_from_environment --workers N`: each process reads the settings
    from the environment (the HTTP side keeps no state, so any number of processes can serve /as2)."""
    return create_app(Settings())
