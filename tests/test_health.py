"""Partner health: polls and sends leave their mark, failures are counted until the next success, certificates
show the days they have left, and `gateway partners status` prints one line per partner."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gateway.cli import main
from gateway.db import make_engine
from gateway.health import expiries, partner_status, record_failure, record_success, status_table
from gateway.partners import Partner, load_partners
from gateway.settings import DEFAULT_PARTNERS

NOON = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def demo_partners() -> list[Partner]:
    return list(load_partners(DEFAULT_PARTNERS).partners)


def test_failures_are_counted_until_the_next_success(engine):
    partners = demo_partners()
    first = partners[0].id
    record_success(engine, first, "poll", NOON)
    record_failure(engine, first, "poll: partner x: SFTP server h:22 is unreachable", NOON + dt.timedelta(minutes=1))
    record_failure(engine, first, "poll: partner x: host key mismatch", NOON + dt.timedelta(minutes=2))
    (status, *others) = partner_status(engine, partners)
    assert (status.last_poll_at, status.last_send_at, status.consecutive_failures) == (NOON, None, 2)
    assert status.last_error == "poll: partner x: host key mismatch"
    assert all(o.last_poll_at is None and o.consecutive_failures == 0 for o in others)

    record_success(engine, first, "send", NOON + dt.timedelta(minutes=3))
    (status, *_) = partner_status(engine, partners)
    assert status.consecutive_failures == 0 and status.last_send_at == NOON + dt.timedelta(minutes=3)
    assert status.last_poll_at == NOON and status.last_error == "poll: partner x: host key mismatch"  # kept to read


def test_an_as2_certificate_shows_the_days_it_has_left(tmp_path: Path):
    certificate = self_signed(tmp_path / "acme.pem", not_after=NOON + dt.timedelta(days=30, hours=1))
    partner = Partner.model_validate({
        "id": "acme", "role": "vendor", "name": "Acme", "isa_qualifier": "ZZ", "isa_id": "ACME", "gs_id": "ACME",
        "x12_version": "004010", "transport": {"kind": "as2", "as2_id": "ACME", "url": "https://acme.example/as2",
                                               "certificate": str(certificate)}})
    assert expiries(partner, NOON) == [("acme.pem", 30)]
    assert expiries(partner, NOON + dt.timedelta(days=45)) == [("acme.pem", -15)]  # expired two weeks ago
    assert expiries(demo_partners()[0], NOON) == []  # folders (and SFTP keys) do not expire


def self_signed(path: Path, not_after: dt.datetime) -> Path:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "acme")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(not_after - dt.timedelta(days=365)).not_valid_after(not_after)
            .sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_partners_status_prints_one_aligned_line_per_partner(sqlite_template, tmp_path, monkeypatch, capsys):
    database = tmp_path / "gateway.db"
    database.write_bytes(sqlite_template.read_bytes())
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("GATEWAY_PARTNERS", str(DEFAULT_PARTNERS))
    partners = demo_partners()
    engine = make_engine(f"sqlite:///{database}")
    record_success(engine, partners[1].id, "send", NOON)
    record_failure(engine, partners[1].id, "send: partner x: the server\nrefused user 'gw'", NOON)
    engine.dispose()

    assert main(["partners", "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["PARTNER", "KIND", "LAST", "POLL", "LAST", "SEND", "FAILURES", "EXPIRES", "IN",
                                "LAST", "ERROR"]
    assert [line.split()[0] for line in lines[1:]] == [p.id for p in partners]
    assert len(lines) == len(partners) + 1
    for column in ("KIND", "LAST SEND", "FAILURES", "LAST ERROR"):  # every cell starts under its header
        at = lines[0].index(column)
        assert all(line[at - 2:at] == "  " and line[at] != " " for line in lines[1:]), column
    failing = lines[2]
    assert failing.split()[:7] == [partners[1].id, "folder", "never", "2026-12-02", "12:00:00Z", "1", "-"]
    assert failing.endswith("send: partner x: the server refused user 'gw'")  # one line, whatever the error held
    assert lines[1].split()[2:5] == ["never", "never", "0"]


def test_with_no_partners_the_table_is_its_header():
    assert status_table([]) == ["PARTNER  KIND  LAST POLL  LAST SEND  FAILURES  EXPIRES IN  LAST ERROR"]


def test_partners_status_shows_the_days_left_on_both_as2_certificates(sqlite_template, tmp_path, monkeypatch,
                                                                      capsys):
    """An AS2 channel breaks when either side's certificate expires: the partner's and ours both show."""
    from tests.transports.as2.conftest import FABRIKAM_FOLDER

    now = dt.datetime.now(dt.UTC)  # the command reads the clock
    theirs = self_signed(tmp_path / "fabrikam.pem", not_after=now + dt.timedelta(days=90, hours=1))
    ours = self_signed(tmp_path / "gateway.pem", not_after=now + dt.timedelta(days=20, hours=1))
    (tmp_path / "gateway.key").write_text("not read by status")
    text = DEFAULT_PARTNERS.read_text().replace(FABRIKAM_FOLDER, f'kind = "as2"\nas2_id = "FABRIKAM-AS2"\n'
                                                f'url = "https://fabrikam.example/as2"\ncertificate = "{theirs}"')
    text += f'\n[gateway.as2]\nas2_id = "GATEWAY-AS2"\nprivate_key = "{tmp_path / "gateway.key"}"\n' \
            f'certificate = "{ours}"\n'
    (tmp_path / "partners.toml").write_text(text)
    database = tmp_path / "gateway.db"
    database.write_bytes(sqlite_template.read_bytes())
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("GATEWAY_PARTNERS", str(tmp_path / "partners.toml"))

    assert main(["partners", "status"]) == 0
    (fabrikam,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("fabrikam ")]
    assert fabrikam.split()[1] == "as2"
    assert "fabrikam.pem 90d, ours gateway.pem 20d" in fabrikam
