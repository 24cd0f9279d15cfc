"""The worker side: `gateway worker` and `gateway scheduler` (Celery worker and beat, built by workers.app)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from gateway.settings import Settings

QUEUES = "inbound,outbound,housekeeping"


def register(subparsers: Any) -> None:
    worker = subparsers.add_parser("worker", help="run a Celery worker (as many as needed, on any machine)")
    worker.add_argument("--queues", default=QUEUES, help=f"comma-separated queues to consume (default {QUEUES})")
    worker.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
    worker.set_defaults(handler=cmd_worker)
    scheduler = subparsers.add_parser("scheduler", help="run the scheduler: polls and housekeeping (run one)")
    scheduler.set_defaults(handler=cmd_scheduler)


def cmd_worker(args: argparse.Namespace) -> int:
    from gateway.errors import ConfigError
    from workers.app import QUEUES as KNOWN
    from workers.app import check_data_dir, create_app

    unknown = sorted(set(args.queues.split(",")) - set(KNOWN))
    if unknown or args.concurrency < 1:
        raise ConfigError([f"--queues {args.queues} --concurrency {args.concurrency}: expected queues among "
                           f"{', '.join(KNOWN)} and a concurrency of at least 1"])
    settings = Settings()
    check_data_dir(settings)
    app = create_app(settings)
    app.worker_main(["worker", f"--queues={args.queues}", f"--concurrency={args.concurrency}",
                     f"--hostname=gateway-{os.getpid()}@%h", "--loglevel=INFO", "--without-mingle",
                     "--without-gossip"])
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    from workers.app import check_data_dir, create_app

    settings = Settings()
    check_data_dir(settings)
    app = create_app(settings)
    (settings.data_dir / "scheduler").mkdir(parents=True, exist_ok=True)
    app.Beat(loglevel="INFO", schedule=app.conf.beat_schedule_filename).run()
    return 0
