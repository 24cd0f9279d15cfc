"""A redis-server of a test's own on a free port, without persistence: a restart empties it, and a test may stop
it or start it with options (a renamed command) without touching the shared Redis."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from tests.ports import free_port


class OwnRedis:
    def __init__(self, root: Path, *options: str) -> None:
        self.port, self.root, self.options = free_port(), root, options
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--dir", str(self.root),
                                         *self.options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
