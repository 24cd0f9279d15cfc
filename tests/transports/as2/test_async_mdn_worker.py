"""An asynchronous MDN is posted by a real `gateway worker` process, through Redis, and retried with backoff while
the partner's receipt URL answers 500."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.transports.as2.conftest import free_port, gateway_settings, partners_file, post, serve
from tests.transports.as2.openssl_partner import OpensslPartner
from tests.transports.as2.test_receive import PAYLOAD

ROOT = Path(__file__).resolve().parents[3]


class ReceiptUrl(BaseHTTPRequestHandler):
    """The partner's receipt URL: broken for its first two calls."""

    calls: list[int] = []
    mdns: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = 500 if len(type(self).calls) < 2 else 200
        type(self).calls.append(status)
        if status == 200:
            type(self).mdns.append((self.headers["Content-Type"], body))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_worker_posts_the_asynchronous_mdn_and_retries_while_the_partner_answers_500(
        engine: Engine, tmp_path: Path, keys: dict[str, tuple[Path, Path]], partner: OpensslPartner,
        redis_url: str, redis_prefix: str) -> None:
    ReceiptUrl.calls, ReceiptUrl.mdns = [], []
    receipt = ThreadingHTTPServer(("127.0.0.1", free_port()), ReceiptUrl)
    threading.Thread(target=receipt.serve_forever, daemon=True).start()
    partners = partners_file(tmp_path, keys, "http://127.0.0.1:1/as2")
    settings = gateway_settings(engine, tmp_path, partners, broker_url=redis_url, broker_key_prefix=redis_prefix)
    env = {**os.environ, "GATEWAY_DATA_DIR": str(settings.data_dir), "GATEWAY_PARTNERS": str(partners),
           "GATEWAY_DATABASE_URL": settings.database_url, "GATEWAY_BROKER_URL": redis_url,
           "GATEWAY_BROKER_KEY_PREFIX": redis_prefix}
    with open(tmp_path / "worker.log", "wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "gateway", "worker", "--concurrency", "1"], cwd=ROOT,
                                  env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        with serve(settings, engine, None) as url:  # the app's own post_mdn: the Celery task, through Redis
            built = partner.build(PAYLOAD, receipt_url=f"http://127.0.0.1:{receipt.server_port}/mdn")
            response = post(url, built.headers, built.body)
            assert response.status_code == 200 and response.content == b""
            deadline = time.monotonic() + 60
            while not ReceiptUrl.mdns and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        receipt.shutdown()
        receipt.server_close()
    assert ReceiptUrl.calls == [500, 500, 200], (tmp_path / "worker.log").read_text()[-3000:]
    [(content_type, body)] = ReceiptUrl.mdns
    fields = partner.read_mdn(content_type, body)
    assert fields["original-message-id"] == built.message_id
    assert fields["disposition"] == "automatic-action/MDN-sent-automatically; processed"
