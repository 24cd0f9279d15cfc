"""The Celery app, built from Settings in one place (`create_app`): broker, queues and routing, the reliability
settings every task relies on, the retry policy, the beat schedule and the tasks.

- Broker: Redis when GATEWAY_BROKER_URL names it, through a transport with which a worker reconnects after a
  Redis restart instead of exiting; otherwise kombu's `filesystem://` under the data directory (nothing to
  install, one machine), with whole-message writes (workers.broker).
- Queues per kind of work, so that a slow partner's deliveries never starve parsing: tasks named
  `gateway.inbound.*`, `gateway.outbound.*` and `gateway.housekeeping.*` go to the queue of that name.
- `acks_late` with `reject_on_worker_lost`: a task whose worker process dies is given back to the broker, not
  acknowledged; every task is safe to run twice, and the database (not the broker) is the truth of where each
  message stands.
- Retries with exponential backoff and jitter for retryable errors only (`gateway.errors.RETRYABLE`).
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu import Exchange, Queue

from gateway.errors import RETRYABLE, ConfigError
from gateway.partners import PartnersFile, load_partners
from gateway.polling import polled_partners
from gateway.settings import Settings

QUEUES = ("inbound", "outbound", "housekeeping")
POLL_TASK = "gateway.inbound.poll_partner"
AS2_MDN_TASK = "gateway.outbound.as2_mdn"  # posts an asynchronous MDN we owe a partner
PROCESS_TASK = "gateway.inbound.process_message"
DELIVER_TASK = "gateway.outbound.deliver"
SWEEP_TASK = "gateway.housekeeping.sweep"
# Housekeeping the scheduler runs, by the task that does it and the setting that says how often. An entry is
# scheduled only if its task is registered.
HOUSEKEEPING = {
    "wake stuck messages": (SWEEP_TASK, "sweep_seconds"),
    "check overdue acknowledgments and responses": ("gateway.housekeeping.check_overdue", "overdue_check_seconds"),
    "purge raw documents past retention": ("gateway.housekeeping.purge_retention", "retention_check_seconds"),
}
# The retry policy of every task: 1, 2, 4... seconds, at most 10 minutes apart, jittered, 8 tries.
RETRY_POLICY: dict[str, Any] = {"autoretry_for": RETRYABLE, "retry_backoff": True, "retry_backoff_max": 600,
                                "retry_jitter": True, "max_retries": 8}


def create_app(settings: Settings, partners: PartnersFile | None = None) -> Celery:
    """The Celery app for these settings; `partners` defaults to the partners file the settings name."""
    from gateway import x12_maps
    from workers import tasks

    x12_maps.install()  # a worker validates X12 however it was started (gateway worker, or celery itself)
    partners = partners or load_partners(settings.partners, key_dir=settings.key_dir)
    app = Celery("gateway", set_as_current=False)
    app.conf.update(
        **broker_settings(settings),
        task_queues=[Queue(q, Exchange(q), routing_key=q) for q in QUEUES],
        task_default_queue="inbound",
        task_routes={f"gateway.{q}.*": {"queue": q, "routing_key": q} for q in QUEUES},
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        beat_schedule_filename=str(settings.data_dir / "scheduler" / "beat-schedule"),
    )
    tasks.register(app, settings, partners)
    app.conf.beat_schedule = beat_schedule(settings, partners, set(app.tasks))
    return app


def broker_settings(settings: Settings) -> dict[str, Any]:
    if settings.broker_url:
        options = {"global_keyprefix": settings.broker_key_prefix} if settings.broker_key_prefix else {}
        found = {"broker_url": settings.broker_url, "broker_transport_options": options}
        if settings.broker_url.startswith("redis://"):  # rediss:// and redis+socket:// keep kombu's own (TLS, paths)
            found["broker_transport"] = "workers.broker:RedisTransport"  # survives a Redis restart
        return found
    root = settings.data_dir / "broker"
    for folder in ("queue", "processed", "control"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    queue = str(root / "queue")
    return {"broker_url": "filesystem://", "broker_transport": "workers.broker:Transport",
            "broker_transport_options": {
        "data_folder_in": queue, "data_folder_out": queue, "processed_folder": str(root / "processed"),
        "control_folder": str(root / "control"), "store_processed": False, "polling_interval": 0.1}}


def beat_schedule(settings: Settings, partners: PartnersFile, registered: set[str]) -> dict[str, Any]:
    """What `gateway scheduler` sends: a poll per polled partner at its `poll_seconds`, and housekeeping."""
    schedule: dict[str, Any] = {}
    for partner in polled_partners(partners):
        every = float(partner.transport.poll_seconds)  # type: ignore[union-attr]
        # A poll not started within its own period is dropped: the next one does the same work.
        schedule[f"poll {partner.id}"] = {"task": POLL_TASK, "schedule": every, "args": (partner.id,),
                                          "options": {"expires": every}}
    for entry, (task, setting) in HOUSEKEEPING.items():
        if task in registered:
            schedule[entry] = {"task": task, "schedule": float(getattr(settings, setting))}
    return schedule


def check_data_dir(settings: Settings) -> None:
    """A worker refuses to start without a data directory it can write, fsync, read back and delete in (raw
    documents, the embedded broker and the leases live there; a shared volume when workers run on several
    machines)."""
    import contextlib
    import os
    import uuid

    where = settings.data_dir
    probe = where / f".write-check-{uuid.uuid4().hex}"
    try:
        where.mkdir(parents=True, exist_ok=True)
        with open(probe, "xb") as stream:
            stream.write(b"ok")
            stream.flush()
            os.fsync(stream.fileno())
        if probe.read_bytes() != b"ok":
            raise OSError(0, "what was written did not read back")
    except OSError as e:
        raise ConfigError([f"GATEWAY_DATA_DIR {where}: cannot be written and read back ({e.strerror}); expected "
                           "a directory this worker can read and write"]) from None
    finally:
        with contextlib.suppress(OSError):  # nothing to clean up where nothing could be written
            probe.unlink(missing_ok=True)
