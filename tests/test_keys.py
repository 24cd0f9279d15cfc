"""`gateway keys generate`: keys a partner's tools accept (openssl, ssh-keygen), private ones 0600, nothing
overwritten."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from gateway.cli import main
from transports.as2.message import load_identity


def test_generate_writes_an_as2_identity_and_an_ssh_key_pair_readable_by_their_tools(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "generate", "--as2-id", "GATEWAY-AS2", "--dir", str(tmp_path / "keys")]) == 0
    keys = tmp_path / "keys"
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in keys.iterdir()} == {
        "as2.key": 0o600, "as2.crt": 0o644, "ssh_ed25519": 0o600, "ssh_ed25519.pub": 0o644}
    identity = load_identity("GATEWAY-AS2", keys / "as2.key", keys / "as2.crt")
    assert identity.certificate.subject.rfc4514_string() == "CN=GATEWAY-AS2"
    shown = subprocess.run(["openssl", "x509", "-in", str(keys / "as2.crt"), "-noout", "-fingerprint", "-sha256"],
                           capture_output=True, text=True, check=True).stdout
    assert shown.strip().split("=", 1)[1] in capsys.readouterr().out
    if shutil.which("ssh-keygen"):
        derived = subprocess.run(["ssh-keygen", "-y", "-f", str(keys / "ssh_ed25519")], capture_output=True,
                                 text=True, check=True).stdout.split()[:2]
        assert derived == (keys / "ssh_ed25519.pub").read_text().split()[:2]


def test_generate_never_overwrites_an_existing_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "as2.key").write_text("the production key")
    assert main(["keys", "generate", "--as2-id", "GW", "--dir", str(tmp_path)]) == 1
    assert "as2.key: already exists" in capsys.readouterr().err
    assert (tmp_path / "as2.key").read_text() == "the production key"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["as2.key"]
