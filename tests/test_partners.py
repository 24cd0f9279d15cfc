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


FOLDER_VENDOR = """
[[partners]]
id = "cask"
role = "vendor"
name = "Cask"
isa_qualifier = "ZZ"
isa_id = "CASK"
gs_id = "CASK"
x12_version = "004010"
customers = ["acme"]
[partners.transport]
kind = "folder"
inbound_dir = "var/partners/cask/in"
outbound_dir = "var/partners/cask/out"
"""


def problems_of(tmp_path: Path, text: str, **kwargs: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_partners(write(tmp_path, text), **kwargs)  # type: ignore[arg-type]
    return caught.value.problems


def test_partners_file_keys_for_the_pipeline_have_their_defaults(tmp_path):
    partners = load_partners(write(tmp_path, GOOD + FOLDER_VENDOR))
    cask = partners.get("cask")
    assert (cask.ack_window_hours, cask.response_window_hours) == (24, 48)
    assert cask.transport.kind == "folder" and cask.transport.settle_seconds == 0
    text = GOOD + FOLDER_VENDOR.replace('customers = ["acme"]', 'customers = ["acme"]\nack_window_hours = 4\n'
                                        'response_window_hours = 12')
    cask = load_partners(write(tmp_path, text)).get("cask")
    assert (cask.ack_window_hours, cask.response_window_hours) == (4, 12)


@pytest.mark.parametrize("change, line", [
    (('"var/partners/cask/in"', '"var/../../home/cask"'),
     "partner cask: transport.inbound_dir: 'var/../../home/cask' climbs out with '..'; expected a path that "
     "stays inside its base directory"),
    (('"var/partners/cask/out"', '"/etc/cron.d"'),
     "partner cask: transport.outbound_dir: '/etc/cron.d' points into the system directory /etc; expected a "
     "directory of the gateway's own, such as var/partners/NAME"),
    (('"var/partners/cask/out"', '"/proc"'), "partner cask: transport.outbound_dir: '/proc' points into the "
                                            "system directory /proc"),
    (('customers = ["acme"]', 'customers = ["acme"]\nencoding = "klingon"'),
     "partner cask: encoding: 'klingon' is not an encoding Python knows; expected an ASCII-safe encoding"),
    (('customers = ["acme"]', 'customers = ["acme"]\nencoding = "utf-16"'),
     "partner cask: encoding: 'utf-16' does not write ASCII characters as ASCII bytes"),
    (('customers = ["acme"]', 'customers = ["acme"]\nencoding = "cp037"'),  # EBCDIC
     "partner cask: encoding: 'cp037' does not write ASCII characters as ASCII bytes"),
    (('customers = ["acme"]', 'customers = ["acme"]\ndelimiters = { element = "\\u0000" }'),
     "partner cask: delimiters.element: NUL is not a delimiter; expected one printable ASCII character"),
    (('customers = ["acme"]', 'customers = ["acme"]\ndelimiters = { segment = "S" }'),
     "partner cask: delimiters.segment: 'S' can occur inside values; expected a character that is not a "
     "letter, digit or space"),
    (('customers = ["acme"]', 'customers = ["acme"]\ndelimiters = { component = "7" }'),
     "partner cask: delimiters.component: '7' can occur inside values"),
    (('isa_id = "CASK"', 'isa_id = "CA*SK"'),
     "partner cask: isa_id: 'CA*SK' contains its element delimiter '*'; expected an id without * > ~ ^"),
    (('gs_id = "CASK"', 'gs_id = "CA~SK"'), "partner cask: gs_id: 'CA~SK' contains its segment delimiter '~'"),
    (('gs_id = "CASK"', 'gs_id = "CÄSK"'),
     "partner cask: gs_id: 'CÄSK' has characters beyond printable ASCII; expected letters, digits and "
     "punctuation only"),
    (('isa_id = "CASK"', 'isa_id = "CASK\\t"'), "partner cask: isa_id: 'CASK\\t' has characters beyond "
                                               "printable ASCII"),
    (('x12_version = "004010"', 'x12_version = "009999"'),
     "partner cask: x12_version: '009999' has the wrong form; expected 004010 or 005010, optionally followed by "
     "an industry code such as VICS"),
    (('x12_version = "004010"', 'x12_version = "004010VICS!!"'), "partner cask: x12_version: '004010VICS!!' has "
                                                                 "the wrong form"),
    (('x12_version = "004010"', 'x12_version = "004010ABCDEFGHIJ"'),
     "partner cask: x12_version: '004010ABCDEFGHIJ' has the wrong form"),
])
def test_partners_file_is_checked_as_strictly_as_documents(tmp_path, change, line):
    problems = problems_of(tmp_path, GOOD + FOLDER_VENDOR.replace(*change))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 'partners.toml'}: {line}"), problems[0]


def test_an_id_must_not_hold_the_delimiters_of_the_partners_it_trades_with(tmp_path):
    # acme's ISA id is written into cask's interchanges, with cask's delimiters
    text = GOOD.replace('isa_id = "ACME"', 'isa_id = "AC|ME"') + FOLDER_VENDOR.replace(
        'customers = ["acme"]', 'customers = ["acme"]\ndelimiters = { element = "|" }')
    problems = problems_of(tmp_path, text)
    assert problems == [f"{tmp_path / 'partners.toml'}: partner acme: isa_id: 'AC|ME' contains cask's element "
                        "delimiter '|'; expected an id without | > ~ ^"]


def test_an_sftp_key_outside_the_key_directory_is_refused(tmp_path):
    path = write(tmp_path, GOOD.replace('"keys/acme"', '"/root/.ssh/id_ed25519"'))
    load_partners(path)  # the X12 commands never open a key and do not check
    with pytest.raises(ConfigError) as caught:
        load_partners(path, key_dir=Path("keys"))
    assert caught.value.problems == [
        f"{path}: partner acme: transport.private_key: '/root/.ssh/id_ed25519' is outside the key directory; "
        "expected a file under keys (GATEWAY_KEY_DIR)"]
    climbing = write(tmp_path, GOOD.replace('"keys/acme"', '"keys/../etc/shadow"'))
    assert "is outside the key directory" in problems_of(tmp_path, climbing.read_text(), key_dir=Path("keys"))[0]
    assert load_partners(write(tmp_path, GOOD), key_dir=Path("keys")).get("acme").transport.kind == "sftp"


@pytest.mark.parametrize("text, line", [
    ("", "no partners; expected at least one [[partners]] table"),
    ("# nothing but a comment\n[gateway]\n", "no partners; expected at least one [[partners]] table"),
    ("x = " + "[" * 100_000 + "]" * 100_000, "values are nested too deeply to read"),
])
def test_empty_and_absurd_files_are_one_clear_line(tmp_path, text, line):
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1 and problems[0].startswith(f"{tmp_path / 'partners.toml'}: {line}"), problems


def test_a_deeply_nested_value_in_a_partner_is_reported_short(tmp_path):
    nested = "[" * 200 + '"x"' + "]" * 200
    problems = problems_of(tmp_path, GOOD.replace('name = "Acme"', f"name = {nested}"))
    assert len(problems) == 1 and problems[0].startswith(f"{tmp_path / 'partners.toml'}: partner acme: name: ")
    assert len(problems[0]) < 300


@pytest.mark.parametrize("command", [
    ["render", "--type", "850", "--partner", "cask", "--partners", "{file}", "{po}"],
    ["validate", "--ack", "--partners", "{file}", "fixtures/x12/850_vics_4010.edi"],
    ["partners", "check", "{file}"],
])
def test_a_bad_encoding_is_one_line_for_every_command_never_a_traceback(tmp_path, command):
    path = write(tmp_path, GOOD + FOLDER_VENDOR.replace('customers = ["acme"]', 'customers = ["acme"]\n'
                                                        'encoding = "klingon"'))
    po = tmp_path / "po.json"
    po.write_text('{"po_number": "1", "lines": [{"line_number": "1", "quantity": 1, "unit_price": "1"}]}')
    argv = [a.format(file=path, po=po) for a in command]
    done = subprocess.run([sys.executable, "-m", "gateway", *argv], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode != 0
    assert "partner cask: encoding: 'klingon' is not an encoding Python knows" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_two_channels_never_share_a_folder(tmp_path):
    other = FOLDER_VENDOR.replace('id = "cask"', 'id = "dram"').replace('"CASK"', '"DRAM"').replace(
        '"var/partners/cask/out"', '"var/partners/dram/out"')
    problems = problems_of(tmp_path, GOOD + FOLDER_VENDOR + other)
    assert problems == [f"{tmp_path / 'partners.toml'}: partner dram: transport.inbound_dir: 'var/partners/cask/in' "
                        "is also partner cask inbound_dir; expected a directory of its own"]
    looping = FOLDER_VENDOR.replace('"var/partners/cask/out"', '"var/partners/cask/in/"')
    assert "partner cask: transport.outbound_dir: 'var/partners/cask/in' is also partner cask inbound_dir" in \
        problems_of(tmp_path, GOOD + looping)[0]


def test_an_sftp_partner_needs_a_pinned_key_and_a_way_to_log_in(tmp_path):
    no_secret = GOOD.replace('private_key = "keys/acme"\n', "")
    (problem,) = problems_of(tmp_path, no_secret)
    assert "partner acme: transport: no way to log in; expected private_key (a key file) or password_env" in problem
    junk_key = GOOD.replace('host_key = "ssh-ed25519 AAAA', 'host_key = "sftp.acme.example AAAA')
    (problem,) = problems_of(tmp_path, junk_key)
    assert "partner acme: transport.host_key: host_key names no public key; expected a line such as" in problem
    in_a_variable = GOOD.replace('private_key = "keys/acme"', 'password_env = "ACME_SFTP_PASSWORD"')
    assert load_partners(write(tmp_path, in_a_variable)).get("acme").transport.password_env == "ACME_SFTP_PASSWORD"
    (problem,) = problems_of(tmp_path, GOOD.replace('private_key = "keys/acme"', 'password_env = "hunter 2"'))
    assert "transport.password_env" in problem  # a name, never the password itself
