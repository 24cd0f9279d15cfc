"""A fault for the crash tests, loaded by the test's worker through GATEWAY_RECEIVE_SERVICE=
tests.workers.poison:intake (the pipeline's own intake, plus this hook): in that worker, applying a PO whose number
starts with POISON makes the worker process SIGKILL itself, as a crash in native code or the OOM killer would,
every time it is tried. Each kill is first written as a JSON line to GATEWAY_TEST_RECORD (with the pid).

Test code only: the hook wraps `gateway.lifecycle.handle` in the worker's main process when the intake is built,
before the pool forks, so every pool process inherits it; nothing in the product knows of it.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import gateway.lifecycle as lifecycle
from gateway.pipeline.intake import PipelineIntake, pipeline_intake
from gateway.settings import Settings
from tests.workers.recording import _write as write_record

POISON = "POISON"


def intake(settings: Settings) -> PipelineIntake:
    handle = lifecycle.handle

    def crashing(session: Any, doc: Any, source: str) -> Any:
        if str(getattr(doc, "po_number", "")).startswith(POISON):
            write_record(Path(os.environ["GATEWAY_TEST_RECORD"]), {"event": "killed", "po": doc.po_number,
                                                                   "pid": os.getpid()})
            os.kill(os.getpid(), signal.SIGKILL)
        return handle(session, doc, source)

    if getattr(handle, "__name__", "") != "crashing":
        lifecycle.handle = crashing  # type: ignore[assignment]
    return pipeline_intake(settings)

