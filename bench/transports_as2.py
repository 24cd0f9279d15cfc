"""AS2 throughput on loopback, both ways: signed + encrypted messages with synchronous signed MDNs.

Run as `.venv/bin/python bench/transports_as2.py [--small N] [--large N] [--clients C]` (a benchmark, not a
test). Two gateways run as separate uvicorn processes, each with its own SQLite database and data directory:
ours, and the partner's (the same code with the roles swapped). Received: the partner's messages (1,000 of 1 KB
and 20 of 5 MB by default), packed before the clock starts, are posted to our /as2, which decrypts, verifies,
stores and commits each one, then answers with a signed MDN; every MDN is checked (signature, MIC) after the
clock stops. Sent: our As2Transport signs, encrypts and posts the same payloads to the partner's /as2 and
checks each MDN (that is part of sending). Prints messages/s and MB/s for each way and size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway.bootstrap import install  # noqa: E402
from gateway.db import make_engine  # noqa: E402
from gateway.keys import generate  # noqa: E402
from gateway.partners import load_partners  # noqa: E402
from gateway.settings import DEFAULT_PARTNERS  # noqa: E402
from transports.as2 import mdn  # noqa: E402
from transports.as2.config import As2Config  # noqa: E402
from transports.as2.message import load_identity, pack  # noqa: E402
from transports.as2.sender import As2Transport, check_mdn  # noqa: E402

FABRIKAM_FOLDER = """kind = "folder"
inbound_dir = "var/demo/fabrikam/outbox"
outbound_dir = "var/demo/fabrikam/inbox"
create_dirs = true"""


def payload(size: int, seed: int) -> bytes:
    """X12-looking bytes of about `size`, different per message (duplicates would be detected, not stored)."""
    head = (f"ISA*00*          *00*          *ZZ*FABRIKAM       *ZZ*CONTOSO        *261125*1116*U*00401*"
            f"{seed:09d}*0*P*>~\n")
    line = b"PO1*1*120*EA*10.5*PE*BP*065322-117*VP*AB3542~\n"
    return head.encode() + line * max(0, (size - len(head)) // len(line))


def side(root: Path, name: str, own_id: str, peer_id: str, peer_cert: Path, peer_url: str) -> dict[str, str]:
    """A gateway's data directory, partners file (fabrikam is the peer) and migrated database; its env vars."""
    keys = root / name / "keys"
    generate(keys, own_id, rsa_bits=2048)
    text = DEFAULT_PARTNERS.read_text().replace(FABRIKAM_FOLDER, (
        f'kind = "as2"\nas2_id = "{peer_id}"\nurl = "{peer_url}"\ncertificate = "{peer_cert}"'))
    text += f'\n[gateway.as2]\nas2_id = "{own_id}"\nprivate_key = "{keys}/as2.key"\ncertificate = "{keys}/as2.crt"\n'
    partners = root / name / "partners.toml"
    partners.write_text(text)
    env = {"GATEWAY_DATA_DIR": str(root / name / "data"), "GATEWAY_PARTNERS": str(partners),
           "GATEWAY_KEY_DIR": str(keys), "GATEWAY_AS2_MAX_BYTES": str(64 * 1024 * 1024)}
    (root / name / "data").mkdir(parents=True)
    install(make_engine(f"sqlite:///{root / name / 'data' / 'gateway.db'}"), load_partners(partners))
    return env


@contextmanager
def served(env: dict[str, str], port: int, workers: int) -> Iterator[str]:
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "gateway.app:app_from_environment",
                                "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                                "--log-level", "warning", "--no-access-log"], cwd=ROOT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def timed(jobs: list[Callable[[], object]], clients: int) -> tuple[float, list[object]]:
    with ThreadPoolExecutor(clients) as pool:
        start = time.perf_counter()
        results = list(pool.map(lambda job: job(), jobs))
        return time.perf_counter() - start, results


def report(way: str, count: int, size: int, seconds: float) -> None:
    print(f"{way:9} {count:5} x {size / 1024:7.0f} KB  {seconds:7.2f} s  {count / seconds:8.1f} messages/s  "
          f"{count * size / seconds / 1e6:7.2f} MB/s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn processes per gateway (default 2)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-as2-"))
    ours_port, theirs_port = 18471, 18472
    ours_env = side(root, "ours", "GATEWAY-AS2", "FABRIKAM-AS2", root / "theirs/keys/as2.crt",
                    f"http://127.0.0.1:{theirs_port}/as2")
    theirs_env = side(root, "theirs", "FABRIKAM-AS2", "GATEWAY-AS2", root / "ours/keys/as2.crt",
                      f"http://127.0.0.1:{ours_port}/as2")
    ours = load_identity("GATEWAY-AS2", root / "ours/keys/as2.key", root / "ours/keys/as2.crt")
    theirs = load_identity("FABRIKAM-AS2", root / "theirs/keys/as2.key", root / "theirs/keys/as2.crt")
    to_us = As2Config(kind="as2", as2_id="GATEWAY-AS2", url=f"http://127.0.0.1:{ours_port}/as2",
                      certificate=root / "ours/keys/as2.crt")
    to_them = As2Config(kind="as2", as2_id="FABRIKAM-AS2", url=f"http://127.0.0.1:{theirs_port}/as2",
                        certificate=root / "theirs/keys/as2.crt")
    partner_side, our_side = As2Transport(to_us, theirs), As2Transport(to_them, ours)
    print(f"AS2 on loopback, signed (SHA-256) + encrypted (AES-256-CBC), synchronous signed MDNs, "
          f"{args.clients} clients, {args.workers} uvicorn processes per side, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    with served(ours_env, ours_port, args.workers) as ours_url, served(theirs_env, theirs_port, args.workers):
        for count, size, seed in ((args.small, 1024, 1), (args.large, 5 * 1024 * 1024, 500_000)):
            if not count:
                continue
            bodies = [payload(size, seed + i) for i in range(count)]
            prepared = [received_job(partner_side, f"in-{seed + i}.edi", body, ours_url)
                        for i, body in enumerate(bodies)]
            seconds, answers = timed([job for job, _ in prepared], args.clients)
            for (_, check), answer in zip(prepared, answers, strict=True):
                check(answer)
            report("received", count, size, seconds)
            seconds, _ = timed([lambda n=f"out-{seed + i}.edi", b=body: our_side.send(n, b)
                                for i, body in enumerate(bodies)], args.clients)
            report("sent", count, size, seconds)


def received_job(partner: As2Transport, name: str, body: bytes, url: str
                 ) -> tuple[Callable[[], httpx.Response], Callable[[object], None]]:
    """A message the partner packed before the clock starts, the post that sends it, and the MDN check."""
    packed = pack(body, filename=name, identity=partner.identity, partner=partner.partner_certificate,
                  sign="sha256", encrypt="aes256_cbc")
    message_id = partner.message_id(name, body)
    headers = {"AS2-Version": "1.2", "AS2-From": partner.identity.as2_id, "AS2-To": partner.config.as2_id,
               "Message-ID": message_id, "Content-Type": packed.content_type,
               "Disposition-Notification-To": "bench", "Disposition-Notification-Options":
               "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256"}

    def post() -> httpx.Response:
        return partner.http.post(f"{url}/as2", headers=headers, content=packed.body, timeout=300)

    def check(response: object) -> None:
        assert isinstance(response, httpx.Response) and response.status_code == 200, response
        answer = check_mdn(response.headers["content-type"], response.content, partner, message_id, packed.mic)
        assert answer.positive, answer.disposition
        assert mdn.is_mdn(response.headers["content-type"], response.content)

    return post, check


if __name__ == "__main__":
    main()
