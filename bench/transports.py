"""Transport throughput, SFTP half: a real OpenSSH server on loopback, 1,000 files of 1 KB and 20 of 5 MB.

Run as `.venv/bin/python bench/transports.py [--small N] [--large N]` as root or as a user sshd may log in (a
benchmark, not a test; needs /usr/sbin/sshd). Each way is timed separately, with the payloads prepared before
the clock starts:

- inbound: the partner's files sit in its directory; one poll cycle through gateway.polling (lease, fetch,
  receive, settle by deleting) takes them all. The receive step hashes the bytes (what storing them costs is
  the pipeline's, not the transport's).
- outbound: every file is sent over one connection (temporary name, size check, rename into place).

Targets (issue 8): at least 100 small files/s per poll cycle; 5 MB files at least 10 MB/s.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.leases import FileLeases  # noqa: E402
from gateway.polling import poll  # noqa: E402
from tests.transports.sshd import Sshd, generate_key, make_sshd  # noqa: E402
from transports import Inbound, TransportContext  # noqa: E402
from transports.sftp import SftpConfig, SftpTransport  # noqa: E402

KB, MB = 1024, 1024 * 1024


def payloads(count: int, size: int) -> dict[str, bytes]:
    """Distinct X12-looking files of `size` bytes each."""
    files = {}
    for n in range(count):
        head = (f"ISA*00*          *00*          *ZZ*BENCH          *ZZ*GATEWAY        *261202*1200*U*00401*"
                f"{n:09}*0*P*>~").encode()[:size]
        files[f"bench-{size}-{n:05}.edi"] = head + os.urandom(size).hex().encode()[: size - len(head)]
    return files


def transport_for(server: Sshd, key: Path, base: str, work_dir: Path) -> SftpTransport:
    config = SftpConfig(kind="sftp", host="127.0.0.1", port=server.port, username=server.user, private_key=key,
                        host_key=server.host_key_line(), inbound_dir=f"{base}/outbound",
                        outbound_dir=f"{base}/inbound")
    return SftpTransport(config, TransportContext(partner_id="bench", work_dir=work_dir))


def inbound_cycle(server: Sshd, key: Path, base: str, files: dict[str, bytes], scratch: Path) -> float:
    """Seconds for one poll cycle taking every file."""
    outbound = server.home / base / "outbound"
    for name, data in files.items():
        (outbound / name).write_bytes(data)
    digests: list[str] = []

    def receive(partner_id: str, inbound: Inbound) -> None:
        with inbound.open() as stream:
            digests.append(hashlib.file_digest(stream, "sha256").hexdigest())

    transport = transport_for(server, key, base, scratch / "work")
    started = time.perf_counter()
    report = poll("bench", transport, FileLeases(scratch / "leases"), receive, 300)
    elapsed = time.perf_counter() - started
    assert len(report.received) == len(files) and not os.listdir(outbound), "a file was not taken"
    return elapsed


def outbound_run(server: Sshd, key: Path, base: str, files: dict[str, bytes], scratch: Path) -> float:
    """Seconds to send every file over one connection."""
    with transport_for(server, key, base, scratch / "work") as transport:
        started = time.perf_counter()
        for name, data in files.items():
            transport.send(name, data)
        elapsed = time.perf_counter() - started
    assert len(os.listdir(server.home / base / "inbound")) == len(files), "a file did not arrive"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000, help="files of 1 KB (default 1,000)")
    parser.add_argument("--large", type=int, default=20, help="files of 5 MB (default 20)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-sftp-") as tmp:
        scratch = Path(tmp)
        server = make_sshd(scratch / "sshd")
        key = generate_key(scratch / "client_ed25519")
        server.authorize(key.with_suffix(".pub"))
        server.start()
        try:
            print(f"SFTP over loopback (OpenSSH {server.port}, paramiko), one connection per poll / run of sends")
            print(f"{'files':>16}  {'way':<9} {'seconds':>8} {'files/s':>9} {'MB/s':>8}")
            for label, count, size in (("small", args.small, KB), ("large", args.large, 5 * MB)):
                files = payloads(count, size)
                total_mb = count * size / MB
                for way, run in (("inbound", inbound_cycle), ("outbound", outbound_run)):
                    base = f"{label}-{way}"
                    (server.home / base / "outbound").mkdir(parents=True)
                    (server.home / base / "inbound").mkdir()
                    seconds = run(server, key, base, files, scratch / base)
                    print(f"{count:>6} x {size // KB:>5} KB  {way:<9} {seconds:>8.2f} {count / seconds:>9.1f} "
                          f"{total_mb / seconds:>8.1f}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
