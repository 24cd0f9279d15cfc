"""A partner (openssl cms) posts to the gateway's /as2 on a real uvicorn: every key transport, cipher, signature
hash and compression is read, the message is stored before the MDN, and the MDN verifies in openssl with the MIC
openssl dgst computes over the exact signed part."""

from __future__ import annotations

import base64
import hashlib
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from gateway.as2.receive import As2Directory
from gateway.as2.store import As2Exchange
from gateway.cli import main
from gateway.errors import ConfigError, Retryable
from gateway.messages.blobs import FileBlobStore
from gateway.messages.tables import Message
from gateway.partners import load_partners
from tests.transports.as2.conftest import Served, free_port, gateway_settings, partners_file, post, serve
from tests.transports.as2.openssl_partner import CIPHERS, KEY_TRANSPORT, OpensslPartner, make_key_pair

PAYLOAD = (Path(__file__).parents[3] / "fixtures" / "x12" / "855_price_change.edi").read_bytes()
MIC_NAMES = {"sha1": "sha1", "sha256": "sha-256", "sha384": "sha-384", "sha512": "sha-512"}
HASHES = tuple(MIC_NAMES)
TRANSPORTS = tuple(KEY_TRANSPORT)
# Every cipher with every signature hash; key transport and compression rotate through them so that each value
# of each meets several others (the whole cross product would take minutes of openssl).
MATRIX = [pytest.param(cipher, hash_name, TRANSPORTS[i % 4], bool(i // 4 % 2), id=f"{cipher}-{hash_name}-"
                       f"{TRANSPORTS[i % 4]}-{'zlib' if i // 4 % 2 else 'plain'}")
          for i, (cipher, hash_name) in enumerate((c, h) for c in CIPHERS for h in HASHES)]


def stored_messages(served: Served) -> list[Message]:
    with Session(served.engine) as session:
        return list(session.exec(select(Message).where(Message.transport == "as2")).all())


def exchanges(served: Served) -> list[As2Exchange]:
    with Session(served.engine) as session:
        return list(session.exec(select(As2Exchange)).all())


def refused(served: Served, partner: OpensslPartner, headers: dict[str, str], body: bytes) -> str:
    """Post a message the gateway must refuse; return the disposition of its (signed) MDN. Nothing is stored to
    process, and the refusal is a failed message with its reason, where operators look."""
    response = post(served.url, headers, body)
    assert response.status_code == 200, response.text
    fields = partner.read_mdn(response.headers["content-type"], response.content)
    assert "received-content-mic" not in fields
    assert b".crt" not in response.content and b".key" not in response.content  # our files stay ours
    [failed] = stored_messages(served)
    assert (failed.state, failed.channel_id, failed.size) == ("failed", headers["Message-ID"], len(body))
    if failed.partner_id is not None:  # a partner's refusal names it and the message (an unknown sender: its id)
        assert headers["Message-ID"] in (failed.error or "") and failed.partner_id in (failed.error or "")
    assert failed.sha256 == hashlib.sha256(b"").hexdigest()  # unread: no bytes archived
    return fields["disposition"]


def blob(served: Served, message: Message) -> bytes:
    return FileBlobStore(served.settings.blob_dir).path(message.sha256).read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize(("cipher", "hash_name", "key_transport", "compress"), MATRIX)
def test_openssl_message_is_stored_and_answered_with_a_signed_mdn_carrying_the_mic_openssl_computes(
        gateway: Served, partner: OpensslPartner, cipher: str, hash_name: str, key_transport: str,
        compress: bool) -> None:
    built = partner.build(PAYLOAD, sign=hash_name, cipher=cipher, key_transport=key_transport, compress=compress,
                          mic_alg=MIC_NAMES[hash_name])
    response = post(gateway.url, built.headers, built.body)
    assert response.status_code == 200, response.text
    fields = partner.read_mdn(response.headers["content-type"], response.content)
    assert fields["original-message-id"] == built.message_id
    assert fields["disposition"] == "automatic-action/MDN-sent-automatically; processed"
    assert built.signed_part is not None
    expected = partner.mic(built.signed_part, hash_name)
    assert fields["received-content-mic"] == f"{expected}, {MIC_NAMES[hash_name]}"
    [message] = stored_messages(gateway)
    assert (message.partner_id, message.channel_id) == ("fabrikam", built.message_id)
    assert blob(gateway, message) == PAYLOAD


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_rsassa_pss_signature_is_verified(gateway: Served, partner: OpensslPartner) -> None:
    built = partner.build(PAYLOAD, sign="sha384", pss=True, mic_alg="sha-384")
    response = post(gateway.url, built.headers, built.body)
    fields = partner.read_mdn(response.headers["content-type"], response.content)
    assert fields["disposition"] == "automatic-action/MDN-sent-automatically; processed"
    assert built.signed_part is not None
    assert fields["received-content-mic"] == f"{partner.mic(built.signed_part, 'sha384')}, sha-384"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_without_signed_receipt_options_the_mdn_is_an_unsigned_report(gateway: Served,
                                                                      partner: OpensslPartner) -> None:
    built = partner.build(PAYLOAD)
    del built.headers["Disposition-Notification-Options"]
    response = post(gateway.url, built.headers, built.body)
    assert response.headers["content-type"].startswith("multipart/report")
    assert b"Disposition: automatic-action/MDN-sent-automatically; processed" in response.content
    assert len(stored_messages(gateway)) == 1


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_repeated_message_id_gets_the_original_mdn_byte_for_byte_and_is_not_stored_again(
        gateway: Served, partner: OpensslPartner) -> None:
    built = partner.build(PAYLOAD)
    first = post(gateway.url, built.headers, built.body)
    again = post(gateway.url, built.headers, built.body)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["message-id"] == first.headers["message-id"]
    assert len(stored_messages(gateway)) == 1


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_base64_body_announced_by_its_transfer_encoding_header_is_read(gateway: Served,
                                                                       partner: OpensslPartner) -> None:
    built = partner.build(PAYLOAD)
    headers = {**built.headers, "Content-Transfer-Encoding": "base64"}
    response = post(gateway.url, headers, base64.encodebytes(built.body))
    fields = partner.read_mdn(response.headers["content-type"], response.content)
    assert fields["disposition"] == "automatic-action/MDN-sent-automatically; processed"
    [message] = stored_messages(gateway)
    assert blob(gateway, message) == PAYLOAD


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_signature_by_another_key_gets_authentication_failed_and_nothing_is_stored(
        gateway: Served, partner: OpensslPartner, tmp_path: Path) -> None:
    partner.key, partner.cert = make_key_pair(tmp_path, "impostor")
    built = partner.build(PAYLOAD)
    assert refused(gateway, partner, built.headers, built.body).endswith("processed/error: authentication-failed")
    [refusal] = exchanges(gateway)
    assert refusal.mdn_status == "negative" and "fabrikam" in (refusal.error or "")
    assert str(partner.cert) not in (refusal.error or "")  # the impostor's; the entry names the pinned one
    assert "fabrikam.crt" in (refusal.error or "")


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_content_encrypted_for_another_certificate_gets_decryption_failed(
        gateway: Served, partner: OpensslPartner, keys: dict[str, tuple[Path, Path]]) -> None:
    partner.gateway_cert = keys["stranger"][1]
    built = partner.build(PAYLOAD)
    partner.gateway_cert = keys["gateway"][1]  # the MDN is still the gateway's
    assert refused(gateway, partner, built.headers, built.body).endswith("processed/error: decryption-failed")


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_unknown_as2_id_gets_authentication_failed_and_shows_in_the_failed_messages(
        gateway: Served, partner: OpensslPartner, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    partner.as2_id = "NOBODY"
    built = partner.build(PAYLOAD)
    assert refused(gateway, partner, built.headers, built.body).endswith("processed/error: authentication-failed")
    [failed] = stored_messages(gateway)
    assert failed.partner_id is None and "AS2-From 'NOBODY' is not a trading partner" in (failed.error or "")

    monkeypatch.setenv("GATEWAY_DATABASE_URL", gateway.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(gateway.settings.data_dir))
    assert main(["messages", "--state", "failed"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert " in  failed " in line and built.headers["Message-ID"] in line
    assert "AS2-From 'NOBODY' is not a trading partner of this gateway" in line


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_tampered_signed_part_gets_integrity_check_failed(gateway: Served, partner: OpensslPartner) -> None:
    built = partner.build(PAYLOAD, cipher=None)
    tampered = built.body.replace(b"4500012351", b"4500012352")
    assert refused(gateway, partner, built.headers, tampered).endswith("processed/error: integrity-check-failed")


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_cipher_we_do_not_support_gets_unsupported_algorithm(gateway: Served, partner: OpensslPartner) -> None:
    built = partner.build(PAYLOAD, cipher="camellia128_cbc")
    assert refused(gateway, partner, built.headers, built.body).endswith("processed/error: unsupported-algorithm")


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_unsigned_message_from_a_partner_that_must_sign_gets_insufficient_message_security(
        gateway: Served, partner: OpensslPartner) -> None:
    built = partner.build(PAYLOAD, sign=None)
    disposition = refused(gateway, partner, built.headers, built.body)
    assert disposition.endswith("processed/error: insufficient-message-security")


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_only_unsupported_mic_algorithms_required_gets_failed_unsupported(
        gateway: Served, partner: OpensslPartner) -> None:
    built = partner.build(PAYLOAD)
    built.headers["Disposition-Notification-Options"] = ("signed-receipt-protocol=optional, pkcs7-signature; "
                                                         "signed-receipt-micalg=required, md5")
    disposition = refused(gateway, partner, built.headers, built.body)
    assert disposition.endswith("failed/Failure: unsupported MIC-algorithms md5")


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_body_over_the_limit_gets_413_before_anything_is_read(gateway: Served, partner: OpensslPartner) -> None:
    built = partner.build(PAYLOAD)
    response = post(gateway.url, built.headers, b"\0" * (gateway.settings.as2_max_bytes + 1))
    assert response.status_code == 413
    assert "GATEWAY_AS2_MAX_BYTES" in response.text
    assert stored_messages(gateway) == [] and exchanges(gateway) == []


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_content_over_the_message_limit_is_refused_with_a_negative_mdn_and_nothing_stored(
        engine: Engine, tmp_path: Path, keys: dict[str, tuple[Path, Path]], partner: OpensslPartner) -> None:
    settings = gateway_settings(engine, tmp_path, partners_file(tmp_path, keys, "http://127.0.0.1:1/as2"),
                                max_message_bytes=str(len(PAYLOAD) - 1))
    with serve(settings, engine, None) as url:
        built = partner.build(PAYLOAD)
        served = Served(url, settings, engine)
        disposition = refused(served, partner, built.headers, built.body)
    assert disposition.endswith("processed/error: unexpected-processing-error")
    [failed] = stored_messages(served)
    assert f"larger than {len(PAYLOAD) - 1:,} bytes, the limit of GATEWAY_MAX_MESSAGE_BYTES" in (failed.error or "")
    assert [p for p in settings.blob_dir.rglob("*") if p.is_file()] == []


class _MdnInbox(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["Content-Type"], body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_asynchronous_mdn_is_posted_to_the_receipt_url_after_the_message_is_stored(
        gateway: Served, partner: OpensslPartner) -> None:
    _MdnInbox.received = []
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _MdnInbox)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        built = partner.build(PAYLOAD, receipt_url=f"http://127.0.0.1:{server.server_port}/mdn")
        response = post(gateway.url, built.headers, built.body)
        assert response.status_code == 200 and response.content == b""
        assert len(stored_messages(gateway)) == 1
        deadline = time.monotonic() + 10
        while not _MdnInbox.received and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.shutdown()
        server.server_close()
    [(content_type, body)] = _MdnInbox.received
    fields = partner.read_mdn(content_type, body)
    assert fields["disposition"] == "automatic-action/MDN-sent-automatically; processed"
    assert built.signed_part is not None
    assert fields["received-content-mic"] == f"{partner.mic(built.signed_part)}, sha-256"


def test_missing_gateway_key_stops_the_app_with_one_line_naming_it(
        tmp_path: Path, keys: dict[str, tuple[Path, Path]]) -> None:
    partners = partners_file(tmp_path, keys, "http://127.0.0.1:1/as2")
    partners.write_text(partners.read_text().replace(str(keys["gateway"][0]), str(tmp_path / "gone.key")))
    with pytest.raises(ConfigError) as refused:
        As2Directory.from_partners(load_partners(partners))
    [problem] = refused.value.problems
    assert problem.startswith("[gateway.as2] private_key/certificate:") and "gone.key" in problem


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_archive_down_gets_503_and_no_mdn_so_the_partner_sends_again(
        engine: Engine, tmp_path: Path, keys: dict[str, tuple[Path, Path]], partner: OpensslPartner) -> None:
    def archive_down(payload: bytes, partner_id: str, as2_message_id: str) -> int:
        raise Retryable("cannot archive a received message: disk full")

    settings = gateway_settings(engine, tmp_path, partners_file(tmp_path, keys, "http://127.0.0.1:1/as2"))
    with serve(settings, engine, None, archive_down) as url:
        built = partner.build(PAYLOAD)
        response = post(url, built.headers, built.body)
    assert response.status_code == 503
    assert "disk full" in response.text
    with Session(engine) as session:
        assert session.exec(select(As2Exchange)).all() == []  # no MDN kept: the retry is processed afresh
