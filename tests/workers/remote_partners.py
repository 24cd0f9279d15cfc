"""Demo partners moved off their folders in a `PipelineGateway`'s partners file: a vendor on AS2 (played by
openssl behind a loopback HTTP server) and a customer on SFTP (a mailbox on the test suite's sshd). The keys the
partners file names go to `<root>/keys`, the gateway's key directory (GATEWAY_KEY_DIR)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.transports.as2.openssl_partner import OpensslPartner, make_key_pair
from tests.transports.sshd import Sshd
from tests.workers.pipeline_gateway import PipelineGateway


def key_dir(gateway: PipelineGateway) -> Path:
    keys = gateway.root / "keys"
    keys.mkdir(exist_ok=True)
    return keys


def _replace_folder(gateway: PipelineGateway, partner_id: str, transport: str) -> None:
    folder = (f'kind = "folder"\npoll_seconds = 0.5\ninbound_dir = "{gateway.root}/demo/{partner_id}/outbox"\n'
              f'outbound_dir = "{gateway.root}/demo/{partner_id}/inbox"\ncreate_dirs = true')
    text = gateway.partners_file.read_text()
    assert folder in text, f"{partner_id} is not on its folder in {gateway.partners_file}"
    gateway.partners_file.write_text(text.replace(folder, transport))


def put_on_as2(gateway: PipelineGateway, partner_id: str, partner_url: str) -> OpensslPartner:
    """`partner_id` on AS2 at `partner_url` (its certificate pinned), the gateway's own AS2 identity added; the
    openssl side that plays the partner."""
    keys = key_dir(gateway)
    ours, theirs = make_key_pair(keys, "gateway-as2"), make_key_pair(keys, partner_id)
    as2_id = f"{partner_id.upper()}-AS2"
    _replace_folder(gateway, partner_id, f'kind = "as2"\nas2_id = "{as2_id}"\nurl = "{partner_url}"\n'
                                         f'certificate = "{theirs[1]}"')
    with gateway.partners_file.open("a") as partners:
        partners.write(f'\n[gateway.as2]\nas2_id = "GATEWAY-AS2"\nprivate_key = "{ours[0]}"\n'
                       f'certificate = "{ours[1]}"\n')
    work = gateway.root / f"openssl-{partner_id}"
    work.mkdir()
    return OpensslPartner(work, theirs[0], theirs[1], ours[1], as2_id=as2_id)


def put_on_sftp(gateway: PipelineGateway, partner_id: str, server: Sshd) -> tuple[Path, Path]:
    """`partner_id` on SFTP: its mailbox on `server` (host key pinned, the gateway's ed25519 key), polled every
    second; (where it drops files for us, where we deliver to it) as the server's disk sees them."""
    key = shutil.copy(server.client_key, key_dir(gateway) / f"{partner_id}_ed25519")
    base = f"{gateway.root.name}-{partner_id}"
    drops, deliveries = server.home / base / "outbound", server.home / base / "inbound"
    drops.mkdir(parents=True)
    deliveries.mkdir()
    _replace_folder(gateway, partner_id, f'kind = "sftp"\nhost = "127.0.0.1"\nport = {server.port}\n'
                                         f'username = "{server.user}"\nprivate_key = "{key}"\n'
                                         f'host_key = "{server.host_key_line()}"\ninbound_dir = "{base}/outbound"\n'
                                         f'outbound_dir = "{base}/inbound"\npoll_seconds = 1\n'
                                         'connect_timeout = 5\noperation_timeout = 10')
    return drops, deliveries
