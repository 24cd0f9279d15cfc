"""A real OpenSSH server on a free loopback port, for the SFTP tests: its own host keys, key authentication only,
and `ForceCommand internal-sftp` so the login can do nothing but SFTP, starting in its own home directory.

It logs in as the user running the tests (sshd run by a user can only log that user in); it can be stopped and
started again on the same port with the same host key, to play a partner's server going down for a while.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.ports import free_port  # noqa: F401  (others import it from here too)

SSHD = Path("/usr/sbin/sshd")


def generate_key(path: Path, kind: str = "ed25519") -> Path:
    """A key pair without passphrase at `path` and `path.pub`."""
    extra = ["-b", "3072"] if kind == "rsa" else []
    subprocess.run(["ssh-keygen", "-q", "-t", kind, *extra, "-N", "", "-C", path.name, "-f", str(path)],
                   check=True)
    return path




@dataclass
class Sshd:
    root: Path
    port: int
    user: str
    process: subprocess.Popen[bytes] | None = None
    client_key: Path = Path()  # the gateway's authorized keys (ed25519, RSA)
    client_rsa_key: Path = Path()

    @property
    def home(self) -> Path:
        """Where the login starts: the partner's directories live here."""
        return self.root / "home"

    @property
    def host_key(self) -> Path:
        return self.root / "ssh_host_ed25519_key"

    def host_key_line(self) -> str:
        """The known_hosts line a partners file pins."""
        kind, blob = self.host_key.with_suffix(".pub").read_text().split()[:2]
        return f"[127.0.0.1]:{self.port} {kind} {blob}"

    def authorize(self, *public_keys: Path) -> None:
        with (self.root / "authorized_keys").open("a") as keys:
            for key in public_keys:
                keys.write(key.read_text())

    def start(self) -> None:
        with (self.root / "sshd.log").open("ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(self.root / "sshd_config")],
                                            stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd exited with {self.process.returncode}: "
                                   f"{(self.root / 'sshd.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    if s.recv(4).startswith(b"SSH-"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"sshd did not answer on port {self.port} within 10 s")

    def sessions(self) -> list[int]:
        """The processes serving open connections (and their privilege-separated children)."""
        assert self.process is not None
        found, frontier = [], [self.process.pid]
        while frontier:
            children = [c for pid in frontier for c in _children(pid)]
            found += children
            frontier = children
        return found

    def stop(self) -> None:
        """The server goes down, and its open connections with it: each is a child process of this server's, in a
        session of its own, so they are ended by their ids."""
        if self.process is None:
            return
        connections = _children(self.process.pid)
        self.process.terminate()
        self.process.wait(10)
        for pid in connections:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        self.process = None


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:  # after the name: state, ppid
                found.append(int(stat.parent.name))
    return found


def make_sshd(root: Path) -> Sshd:
    """Configure (not start) a server under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    server = Sshd(root=root, port=free_port(), user=getpass.getuser())
    server.home.mkdir()
    generate_key(server.host_key)
    generate_key(root / "ssh_host_rsa_key", "rsa")
    (root / "authorized_keys").touch()
    (root / "sshd_config").write_text(f"""\
Port {server.port}
ListenAddress 127.0.0.1
HostKey {server.host_key}
HostKey {root / "ssh_host_rsa_key"}
PidFile {root / "sshd.pid"}
AuthorizedKeysFile {root / "authorized_keys"}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers {server.user}
StrictModes no
UsePAM no
Subsystem sftp internal-sftp
ForceCommand internal-sftp -d {server.home}
AllowTcpForwarding no
X11Forwarding no
MaxStartups 100:30:200
MaxSessions 50
LogLevel VERBOSE
""")
    if os.geteuid() == 0:  # sshd run by root separates privileges and wants this directory
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    return server


def sftp_client_get(server: Sshd, key: Path, remote: str, local: Path) -> None:
    """Download with OpenSSH's own `sftp` client (an implementation independent of paramiko), host key pinned."""
    known_hosts = server.root / "client_known_hosts"
    known_hosts.write_text(server.host_key_line() + "\n")
    batch = server.root / "batch"
    batch.write_text(f'get "{remote}" "{local}"\n')
    subprocess.run([shutil.which("sftp") or "sftp", "-q", "-b", str(batch), "-i", str(key), "-P", str(server.port),
                    "-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes",
                    "-o", "BatchMode=yes", f"{server.user}@127.0.0.1"], check=True, capture_output=True, timeout=30)
