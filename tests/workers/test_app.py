"""The Celery app as built from Settings: queues and routing, reliability, retry policy and the beat schedule."""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import time
from pathlib import Path

import pytest
from kombu import Exchange, Queue
from kombu.common import ignore_errors
from kombu.message import Message
from sqlalchemy.exc import OperationalError

import workers.tasks
from gateway.bootstrap import engine_for, install
from gateway.errors import RETRYABLE, ConfigError, Retryable
from gateway.messages.states import MessageState
from gateway.partners import load_partners
from gateway.settings import DEFAULT_PARTNERS, Settings
from tests.factories import order
from tests.hub import Hub
from tests.workers.own_redis import OwnRedis
from transports.errors import TransportRejected, TransportRetryable
from workers.app import DELIVER_TASK, POLL_TASK, beat_schedule, create_app


def test_work_is_routed_to_its_queue_by_task_name(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    assert sorted(q.name for q in app.conf.task_queues) == ["housekeeping", "inbound", "outbound"]
    router = app.amqp.router
    for name, queue in ((POLL_TASK, "inbound"), ("gateway.outbound.deliver", "outbound"),
                        ("gateway.housekeeping.purge_retention", "housekeeping")):
        assert router.route({}, name)["queue"].name == queue


def test_a_task_survives_its_worker_and_only_retryable_errors_are_retried(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    conf = app.conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier) == (True, True, 1)
    task = app.tasks[POLL_TASK]
    assert set(task.autoretry_for) == {Retryable, TransportRetryable, OperationalError} == set(RETRYABLE)
    assert task.retry_backoff and task.retry_jitter and task.max_retries == 8
    assert not issubclass(ConfigError, RETRYABLE) and not issubclass(TransportRejected, RETRYABLE)


def test_the_embedded_broker_lives_under_the_data_dir(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    assert app.conf.broker_url == "filesystem://"
    options = app.conf.broker_transport_options
    assert Path(options["data_folder_in"]) == tmp_path / "broker" / "queue" and options["polling_interval"] <= 0.1
    assert all((tmp_path / "broker" / d).is_dir() for d in ("queue", "processed", "control"))
    redis_app = create_app(Settings(data_dir=tmp_path, broker_url="redis://127.0.0.1:6379/3",
                                    broker_key_prefix="gw1:"))
    assert redis_app.conf.broker_url == "redis://127.0.0.1:6379/3"
    assert redis_app.conf.broker_transport_options == {"global_keyprefix": "gw1:"}
    assert redis_app.conf.broker_transport == "workers.broker:RedisTransport"


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="SKIPPED LOUDLY: no redis-server binary")
def test_a_worker_losing_redis_with_a_task_in_flight_sees_a_connection_error_it_recovers_from(tmp_path):
    """What a worker's consumer meets when its Redis goes away: a task delivered and not yet acknowledged (acks
    late), a BRPOP waiting for the next one, and a second channel (remote control) whose close fails first. Celery
    collects the connection, closes it and acknowledges the task when it ends; with kombu's own transport both
    raise AttributeError, which Celery takes for an unrecoverable error and exits."""
    redis = OwnRedis(tmp_path)
    redis.start()
    try:
        app = create_app(Settings(data_dir=tmp_path, broker_url=redis.url))
        connection = app.connection_for_read()
        work = Queue("inbound", Exchange("inbound"), routing_key="inbound")
        with connection.Producer() as producer:
            producer.publish({"task": 1}, exchange=work.exchange, routing_key="inbound", declare=[work])
        delivered: list[Message] = []
        consumer = connection.Consumer([work], callbacks=[lambda body, message: delivered.append(message)],
                                       accept=["json"])
        consumer.qos(prefetch_count=2)
        consumer.consume()
        control = connection.channel()
        broadcast = Queue("control", Exchange("control", type="fanout"), auto_delete=True)
        connection.Consumer([broadcast], channel=control, callbacks=[lambda *_: None], accept=["json"]).consume()
        assert control.client is not None  # in use, as a worker's remote control is
        deadline = time.monotonic() + 10
        while not delivered and time.monotonic() < deadline:  # an event may be of the other channel
            with contextlib.suppress(socket.timeout):
                connection.drain_events(timeout=1)
        assert len(delivered) == 1
        connection.default_channel._brpop_start()  # waiting for the next task, as the worker's loop does
        redis.stop()
        connection.collect(socket_timeout=0.5)  # what Celery does on a lost connection, in this order
        ignore_errors(connection, connection.close)
        delivered[0].ack_log_error(logging.getLogger(__name__), connection.connection_errors)  # the task ends
    finally:
        redis.stop()


def test_the_schedule_polls_each_polled_partner_and_names_only_tasks_that_exist(tmp_path):
    partners = load_partners(DEFAULT_PARTNERS)
    settings = Settings(data_dir=tmp_path, overdue_check_seconds=60)
    schedule = create_app(settings, partners).conf.beat_schedule
    assert sorted(schedule) == ["check overdue acknowledgments and responses", "poll contoso", "poll fabrikam",
                                "poll litware", "poll northwind", "purge raw documents past retention",
                                "wake stuck messages"]
    assert schedule["wake stuck messages"] == {"task": "gateway.housekeeping.sweep", "schedule": 60.0}
    assert schedule["poll contoso"] == {"task": POLL_TASK, "schedule": 5.0, "args": ("contoso",),
                                        "options": {"expires": 5.0}}
    with_housekeeping = beat_schedule(settings, partners, {POLL_TASK, "gateway.housekeeping.check_overdue"})
    assert with_housekeeping["check overdue acknowledgments and responses"] == {
        "task": "gateway.housekeeping.check_overdue", "schedule": 60.0}
    assert "purge raw documents past retention" not in with_housekeeping  # its task is not registered there


def test_a_bug_while_delivering_fails_the_message_naming_it_instead_of_leaving_it_unfinished(tmp_path, monkeypatch):
    settings = Settings(data_dir=tmp_path)
    engine = engine_for(settings)
    install(engine, load_partners(settings.partners))
    hub = Hub(engine, settings)
    routed = hub.send("contoso", "fabrikam", "850", order("PO-1"))
    (vendor_850,) = [m for m in hub.caused_by(routed.message_id) if m.partner_id == "fabrikam"]
    app = create_app(settings)

    def broken(*args: object, **kwargs: object) -> None:  # a bug in delivery: nothing raises this on purpose
        raise TypeError("deliver() missing 1 required positional argument")

    monkeypatch.setattr(workers.tasks, "deliver_message", broken)
    app.tasks[DELIVER_TASK].apply(kwargs={"message_id": vendor_850.id})  # the task, run here as a worker runs it
    failed = hub.message(vendor_850.id)
    assert failed.state == MessageState.FAILED and failed.attempts == 0
    assert "internal error (a bug, not the document): TypeError: deliver() missing" in (failed.error or "")
    engine.dispose()
