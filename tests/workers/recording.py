"""An intake for worker tests (GATEWAY_RECEIVE_SERVICE=tests.workers.recording:intake): it records each file it
is handed as a JSON line in GATEWAY_TEST_RECORD, as the real one would commit it.

A file named `*reject*` is rejected. With GATEWAY_TEST_STALL=SECONDS, the first attempt at each file records
"started" and stalls (for a test to kill the worker process mid-task); later attempts go through.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from gateway.errors import Rejected
from gateway.settings import Settings
from transports import Inbound


class Recording:
    def receive(self, partner_id: str, inbound: Inbound) -> None:
        receive(partner_id, inbound)

    def refused(self, partner_id: str, inbound: Inbound) -> None:
        _write(Path(os.environ["GATEWAY_TEST_RECORD"]), {"event": "refused", "partner": partner_id,
                                                         "name": inbound.name, "reason": inbound.refusal})


def intake(settings: Settings) -> Recording:
    return Recording()


def receive(partner_id: str, inbound: Inbound) -> None:
    record = Path(os.environ["GATEWAY_TEST_RECORD"])
    if "reject" in inbound.name:
        raise Rejected(f"{inbound.name} is not X12")
    stall = float(os.environ.get("GATEWAY_TEST_STALL", "0"))
    if stall and not any(e["name"] == inbound.name for e in entries(record)):
        _write(record, {"event": "started", "partner": partner_id, "name": inbound.name, "pid": os.getpid()})
        time.sleep(stall)
    _write(record, {"event": "received", "partner": partner_id, "name": inbound.name, "pid": os.getpid(),
                    "sha256": hashlib.sha256(inbound.read_bytes()).hexdigest()})


def entries(record: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []


def _write(record: Path, entry: dict[str, object]) -> None:
    fd = os.open(record, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.write(fd, (json.dumps(entry) + "\n").encode())
    os.fsync(fd)
    os.close(fd)
