"""Peak memory of receiving one large interchange: read whole (how the intake used to hand a file to `receive`)
against streamed (how it does now: `Inbound.chunks()` into `FileBlobStore.put_stream`).

Run as `.venv/bin/python bench/intake.py [--mb 100] [--postgres URL]` (a benchmark, not a test): SQLite by default;
with `--postgres`, each way gets a database of its own on that server, dropped afterwards. The file is
one interchange of about `--mb` MB (an 850 from the demo customer, its set repeated), written before anything is
measured. Each way runs in a fresh process, so that its peak RSS (ru_maxrss) is its own; each prints the RSS
after start-up (imports, database, partners) beside the peak during the receive, and the time the receive took
(hashing, writing, fsync, the commit). Both ways run in the same invocation, one after the other, under the same
load; compare them with each other, not with figures from another run.

Target (issue 7): a 100 MB interchange still streams; the streamed peak stays near the start-up RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024


def write_interchange(path: Path, megabytes: int) -> int:
    """One interchange of about `megabytes` MB: the demo customer's 850, its transaction set repeated."""
    from tests.factories import line, order
    from tests.hub import sent_by

    data = sent_by("contoso", "fabrikam", "850", order("PO-BIG", [line(n) for n in range(1, 40)]), 4242)
    start, end = data.index(b"ST*"), data.index(b"GE*")
    head, body, tail = data[:start], data[start:end], data[end:]
    with path.open("wb") as out:
        out.write(head)
        for _ in range(megabytes * MB // len(body)):
            out.write(body)
        out.write(tail)
    return path.stat().st_size


@contextmanager
def own_database(server_url: str) -> Iterator[str]:
    """A new database on the PostgreSQL server at `server_url`, dropped afterwards; "" (SQLite) without one."""
    if not server_url:
        yield ""
        return
    from tests.databases import new_database

    with new_database(server_url, prefix="bench_intake") as url:
        yield url


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def child(way: str, path: Path, data_dir: Path, database_url: str) -> None:
    from gateway.bootstrap import engine_for, install
    from gateway.partners import load_partners
    from gateway.pipeline.intake import PipelineIntake
    from gateway.pipeline.services import receive
    from gateway.settings import DEFAULT_PARTNERS, Settings
    from transports import Inbound

    settings = Settings(data_dir=data_dir, database_url=database_url, partners=DEFAULT_PARTNERS)
    engine = engine_for(settings)
    install(engine, load_partners(DEFAULT_PARTNERS))
    intake = PipelineIntake(engine, settings, {"contoso": "folder"})
    size = path.stat().st_size
    inbound = Inbound(channel_id=f"{way}-{path.name}", name=path.name, size=size, path=path)
    started_rss, started = rss_mb(), time.perf_counter()
    if way == "whole":
        message_id = receive(engine, settings, inbound.read_bytes(), partner="contoso", transport="folder",
                             channel_id=inbound.channel_id).message_id
    else:
        message_id = intake.receive("contoso", inbound)
    seconds = time.perf_counter() - started
    print(f"{way:>8}: message {message_id}, start-up RSS {started_rss:6.0f} MB, peak RSS {rss_mb():6.0f} MB, "
          f"{seconds:5.2f} s ({size / MB / seconds:5.0f} MB/s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the interchange in MB (default 100)")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL (e.g. postgresql+psycopg://"
                        "postgres@127.0.0.1:5432/postgres); default: SQLite in a temporary data directory")
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=3, metavar=("WAY", "FILE", "DATA_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        way, file, data_dir = args.child
        child(way, Path(file), Path(data_dir), args.database_url)
        return
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as scratch:
        path = Path(scratch) / "big.edi"
        size = write_interchange(path, args.mb)
        print(f"one interchange of {size / MB:.1f} MB; python {sys.version.split()[0]}, {os.cpu_count()} CPU(s), "
              f"load average {os.getloadavg()[0]:.2f}", flush=True)
        for way in ("whole", "streamed"):  # separate data directories and databases: neither is a duplicate
            data_dir = Path(scratch) / f"data-{way}"
            with own_database(args.postgres) as database_url:
                subprocess.run([sys.executable, __file__, "--database-url", database_url, "--child", way,
                                str(path), str(data_dir)], check=True)
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
