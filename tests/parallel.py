"""Running the same work in several processes at once, each with its own connections."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from typing import Any


def at_once(target: Callable[..., None], calls: list[tuple[Any, ...]], timeout: float = 120) -> list[Any]:
    """One spawned process per argument tuple, released together: `target(*args, start, out)` waits on
    `start`, then puts its result on `out`. Returns the results in the order they arrived."""
    ctx = mp.get_context("spawn")
    start, out = ctx.Barrier(len(calls)), ctx.Queue()
    workers = [ctx.Process(target=target, args=(*args, start, out)) for args in calls]
    for worker in workers:
        worker.start()
    results = [out.get(timeout=timeout) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    return results
