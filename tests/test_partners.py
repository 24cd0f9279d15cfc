"""The partners file and settings: loaded, validated, and explained one line per problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.errors import ConfigError
from gateway.partners import load_partners
from gateway.settings import DEFAULT_PARTNERS, Settings

GOOD = """
[[partners]]
id = "acme"
role = "customer"
name = "Acme"
isa_qualifier = "ZZ"
isa_id = "ACME"
gs_id = "ACME"
x12_version = "005010"
[partners.transport]
kind = "sftp"
host = "sftp.acme.example"
username = "gw"
private_key = "keys/acme"
host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"

[[partners]]
id = "bolt"
role = "vendor"
name = "Bolt"
isa_qualifier = "01"
isa_id = "123456789"
gs_id = "BOLT"
x12_version = "004010VICS"
customers = ["acme"]
ta1 = "always"
changes_as = "850-replace"
[partners.transport]
kind = "as2"
as2_id = "BOLT-AS2"
url = "https://as2.bolt.example/receive"
certificate = "certs/bolt.pem"
mdn = "async"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "partners.toml"
    path.write_text(text)
    return path


def test_demo_partners_are_one_customer_and_three_vendors():
    partners = load_partners(DEFAULT_PARTNERS)
    roles = sorted(p.role for p in partners.partners)
    assert roles == ["customer", "vendor", "vendor", "vendor"]
    assert all(p.customers == ("contoso",) for p in partners.by_role("vendor"))


def test_ack_type_follows_the_group_version_unless_the_partner_says(tmp_path):
    partners = load_partners(write(tmp_path, GOOD))
    assert partners.get("acme").ack_type == "999"  # 005010
    assert partners.get("bolt").ack_type == "997"  # 004010VICS
    with_999 = GOOD.replace('ta1 = "always"', 'ta1 = "always"\nfunctional_ack = "999"')
    overridden = load_partners(write(tmp_path, with_999))
    assert overridden.get("bolt").ack_type == "999"
    assert partners.get("bolt").transport.kind == "as2" and partners.get("bolt").transport.mdn == "async"


def test_every_problem_gets_one_line_naming_file_partner_key_and_expectation(tmp_path):
    bad = (GOOD.replace('role = "vendor"', 'role = "supplier"')
           .replace('x12_version = "005010"', 'x12_version = "5010"')
           .replace('mdn = "async"', 'mdn = "sometimes"').replace('host = "sftp.acme.example"', ""))
    path = write(tmp_path, bad)
    with pytest.raises(ConfigError) as caught:
        load_partners(path)
    problems = caught.value.problems
    assert f"{path}: partner bolt: role: 'supplier' is not allowed; expected 'customer' or 'vendor'" in problems
    assert any(p.startswith(f"{path}: partner acme: x12_version: '5010' has the wrong form") for p in problems)
    assert any(p.startswith(f"{path}: partner bolt: transport.mdn: 'sometimes' is not allowed") for p in problems)
    assert f"{path}: partner acme: transport.host: missing; expected a value for this required key" in problems
    assert len(problems) == 4


def test_cross_partner_problems_are_reported(tmp_path):
    twice = GOOD + GOOD.split("[[partners]]")[1].join(["[[partners]]", ""])
    with pytest.raises(ConfigError) as caught:
        load_partners(write(tmp_path, twice.replace('customers = ["acme"]', 'customers = ["nobody"]')))
    text = "\n".join(caught.value.problems)
    assert "partner acme: id: used twice" in text
    assert "partner bolt: customers: 'nobody' is not a customer in this file" in text


@pytest.mark.parametrize("content, message", [
    (None, "file not found"),
    ("[[partners]\nid = 1", "not valid TOML"),
    ("[[partners]]\nid = \"x\"\nrole = \"vendor\"\n[partners.transport]\nkind = \"ftp\"\n",
     "kind 'ftp' is not a transport; expected one of 'sftp', 'as2', 'folder'"),
])
def test_unreadable_files_are_one_clear_line(tmp_path, content, message):
    path = tmp_path / "partners.toml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_partners(path)


def test_partners_check_prints_problems_and_exits_non_zero(tmp_path, capsys):
    assert main(["partners", "check", str(write(tmp_path, GOOD))]) == 0
    assert "ok, 1 customer(s), 1 vendor(s)" in capsys.readouterr().out
    assert main(["partners", "check", str(write(tmp_path, GOOD.replace('"01"', '"0001"')))]) == 1
    out = capsys.readouterr().out
    assert "partner bolt: isa_qualifier: '0001' has the wrong length; expected at most 2 characters" in out
    assert "Traceback" not in out


def test_partners_check_as_a_command_never_shows_a_traceback(tmp_path):
    path = write(tmp_path, "not = [toml")
    done = subprocess.run([sys.executable, "-m", "gateway", "partners", "check", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "not valid TOML" in done.stdout and "Traceback" not in done.stdout + done.stderr


def test_settings_default_to_embedded_sqlite_under_var(monkeypatch):
    for name in ("GATEWAY_DATABASE_URL", "GATEWAY_DATA_DIR", "GATEWAY_BROKER_URL", "GATEWAY_PARTNERS"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().effective_database_url == "sqlite:///var/gateway.db"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "postgresql://db/gw")
    assert Settings().effective_database_url == "postgresql://db/gw"
