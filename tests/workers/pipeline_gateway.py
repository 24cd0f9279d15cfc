"""A whole gateway for tests with real processes: the demo partners on folders under a temporary root, a data
directory, a database and a broker; `gateway worker`, `gateway scheduler` or `gateway run` started as
subprocesses; partners drop files into their inbound folders and the test reads what reached the others."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from gateway.bootstrap import install
from gateway.db import make_engine
from gateway.partners import load_partners
from gateway.settings import DEFAULT_PARTNERS, Settings
from tests.ports import free_port  # noqa: F401  (others import it from here too)

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")




class PipelineGateway:
    def __init__(self, root: Path, database_url: str = "", broker_url: str = "", prefix: str = "",
                 poll_seconds: float = 0.5, **env: str) -> None:
        self.root = root
        self.partners_file = root / "partners.toml"
        # The demo partners, their folders under this root, polled often (a partners-file setting).
        text = DEFAULT_PARTNERS.read_text().replace('"var/demo/', f'"{root}/demo/')
        self.partners_file.write_text(text.replace('kind = "folder"',
                                                   f'kind = "folder"\npoll_seconds = {poll_seconds}'))
        self.settings = Settings(data_dir=root / "data", database_url=database_url, broker_url=broker_url,
                                 broker_key_prefix=prefix, partners=self.partners_file)
        self.env = {**os.environ, "GATEWAY_DATA_DIR": str(self.settings.data_dir),
                    "GATEWAY_DATABASE_URL": database_url, "GATEWAY_BROKER_URL": broker_url,
                    "GATEWAY_BROKER_KEY_PREFIX": prefix, "GATEWAY_PARTNERS": str(self.partners_file),
                    "GATEWAY_PORT": str(free_port()), **env}
        self.processes: list[subprocess.Popen[bytes]] = []
        self.engine = make_engine(self.settings.effective_database_url)
        for partner in load_partners(self.partners_file).partners:
            for folder in ("outbox", "inbox"):
                (root / "demo" / partner.id / folder).mkdir(parents=True, exist_ok=True)

    def install(self) -> None:
        """Migrate and load the partners, as `gateway run` does at start (workers expect it done)."""
        install(self.engine, load_partners(self.partners_file))

    def start(self, *command: str, cwd: Path = ROOT, **env: str) -> subprocess.Popen[bytes]:
        with open(self.root / f"{command[0]}-{len(self.processes)}.log", "wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "gateway", *command], cwd=cwd,
                                       env={**self.env, "PYTHONPATH": str(ROOT), **env}, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the whole process group: the worker's main process and its pool at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in self.processes:
            self.kill(process)
        self.engine.dispose()

    def inbound(self, partner: str) -> Path:
        """Where `partner` drops its files for the gateway."""
        return self.root / "demo" / partner / "outbox"

    def outbound(self, partner: str) -> Path:
        """Where the gateway places files for `partner`."""
        return self.root / "demo" / partner / "inbox"

    def drop(self, partner: str, name: str, data: bytes) -> None:
        """Write a file as a partner does: under a name polls skip, then renamed into place."""
        temporary = self.inbound(partner) / f".{name}.part"
        temporary.write_bytes(data)
        temporary.rename(self.inbound(partner) / name)

    def delivered(self, partner: str) -> list[Path]:
        return sorted(p for p in self.outbound(partner).iterdir() if not p.name.startswith("."))

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-4000:] for p in sorted(self.root.glob("*.log")))

    def wait(self, found: Callable[[], T | None], timeout: float, what: str) -> T:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = found()
            if value:
                return value
            for process in self.processes:  # one that exits by itself fails the test at once
                if process.poll() not in (None, -signal.SIGKILL):
                    raise AssertionError(f"{process.args} exited with {process.returncode}\n{self.logs()}")
            time.sleep(0.2)
        raise AssertionError(f"not within {timeout} s: {what}\n{self.logs()}")
