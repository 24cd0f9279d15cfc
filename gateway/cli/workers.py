"""The worker side: `gateway worker` and `gateway scheduler` (Celery worker and beat, built by workers.app), and
`gateway run`, everything in one process group for the embedded default (`make run`)."""

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
    run = subparsers.add_parser("run", help="all in one for the embedded default: migrate, load partners, serve "
                                           "HTTP, run a worker and the scheduler")
    run.set_defaults(handler=cmd_run)


def cmd_worker(args: argparse.Namespace) -> int:
    from celery.utils.nodenames import host_format

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
    # Built directly rather than through `celery worker`'s command line, which drops the exit status: a worker
    # that Celery stops on an unrecoverable error must exit non-zero, for its supervisor and its operator.
    worker = app.Worker(hostname=host_format(f"gateway-{os.getpid()}@%h"), queues=args.queues,
                        concurrency=args.concurrency, loglevel="INFO", without_mingle=True, without_gossip=True)
    worker.start()
    return int(worker.exitcode or 0)


def cmd_scheduler(args: argparse.Namespace) -> int:
    from workers.app import check_data_dir, create_app

    settings = Settings()
    check_data_dir(settings)
    app = create_app(settings)
    (settings.data_dir / "scheduler").mkdir(parents=True, exist_ok=True)
    app.Beat(loglevel="INFO", schedule=app.conf.beat_schedule_filename).run()
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Migrate and load the partners, start a worker and the scheduler as child processes (same process group:
    Ctrl-C reaches them all), serve HTTP in the foreground, and stop the children when it ends. If a child dies,
    everything stops with a non-zero status rather than serving on while nothing is processed."""
    import signal
    import subprocess
    import sys
    import threading

    import uvicorn

    from gateway.app import create_app
    from gateway.bootstrap import prepare
    from workers.app import check_data_dir

    settings = Settings()
    check_data_dir(settings)
    print(prepare(settings), flush=True)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host=settings.host, port=settings.port))
    children = {name: subprocess.Popen([sys.executable, "-m", "gateway", name]) for name in ("worker", "scheduler")}
    stopping = threading.Event()
    died: list[str] = []

    def watch(name: str, child: subprocess.Popen[bytes]) -> None:
        code = child.wait()
        if stopping.is_set():
            return
        if code not in (0, -signal.SIGINT, -signal.SIGTERM):  # those are Ctrl-C or a stop reaching the group
            died.append(f"the {name} stopped (exit status {code}); stopping everything")
        server.should_exit = True

    for name, child in children.items():
        threading.Thread(target=watch, args=(name, child), daemon=True).start()
    # uvicorn shuts down on SIGTERM/SIGINT and then raises the signal again: turn that into an exception here,
    # so that the children are stopped below instead of left behind.
    signal.signal(signal.SIGTERM, _stop_requested)
    try:
        server.run()
    except (KeyboardInterrupt, _StopRequested):
        pass
    finally:
        stopping.set()
        _stop(list(children.values()))
    for line in died:
        print(f"gateway run: {line}", file=sys.stderr)
    return 1 if died else 0


class _StopRequested(Exception):
    """SIGTERM reached `gateway run`: stop like Ctrl-C."""


def _stop_requested(signum: int, frame: object) -> None:
    raise _StopRequested()


def _stop(children: list[Any]) -> None:
    """Warm shutdown first (a worker finishes its task), then kill what is still there after 20 s."""
    import subprocess

    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
