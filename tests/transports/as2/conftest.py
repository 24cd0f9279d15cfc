"""The gateway's `/as2` served by a real uvicorn on a free loopback port, a migrated database, the demo partners
with fabrikam on AS2, and throwaway keys made by openssl for both sides."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy.engine import Engine

from gateway.app import create_app
from gateway.as2.receive import Receive, post_async_mdn
from gateway.settings import DEFAULT_PARTNERS, Settings
from tests.ports import free_port  # noqa: F401  (others import it from here too)
from tests.transports.as2.openssl_partner import OpensslPartner, make_key_pair
from tests.workers.conftest import redis_prefix, redis_url  # noqa: F401  (fixtures the worker test uses)

FABRIKAM_FOLDER = """kind = "folder"
inbound_dir = "var/demo/fabrikam/outbox"
outbound_dir = "var/demo/fabrikam/inbox"
create_dirs = true"""


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    directory = tmp_path_factory.mktemp("as2-keys")
    return {name: make_key_pair(directory, name) for name in ("gateway", "fabrikam", "stranger")}


def partners_file(directory: Path, keys: dict[str, tuple[Path, Path]], partner_url: str, **options: str) -> Path:
    """The demo partners with fabrikam on AS2 (its certificate pinned) and the gateway's own AS2 identity."""
    text = DEFAULT_PARTNERS.read_text()
    assert FABRIKAM_FOLDER in text
    extra = "".join(f"\n{k} = {v}" for k, v in options.items())
    text = text.replace(FABRIKAM_FOLDER, f'kind = "as2"\nas2_id = "FABRIKAM-AS2"\nurl = "{partner_url}"\n'
                                         f'certificate = "{keys["fabrikam"][1]}"{extra}')
    text += (f'\n[gateway.as2]\nas2_id = "GATEWAY-AS2"\nprivate_key = "{keys["gateway"][0]}"\n'
             f'certificate = "{keys["gateway"][1]}"\n')
    path = directory / "partners.toml"
    path.write_text(text)
    return path




@dataclass
class Served:
    url: str
    settings: Settings
    engine: Engine
    posted_mdns: list[int] = field(default_factory=list)


@contextmanager
def serve(settings: Settings, engine: Engine, post_mdn: Callable[[int], None] | None,
          receive: Receive | None = None) -> Iterator[str]:
    """uvicorn serving the gateway's app on a free loopback port, for as long as the generator is open."""
    port = free_port()
    app = create_app(settings, post_mdn=post_mdn, receive=receive)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def gateway_settings(engine: Engine, tmp_path: Path, partners: Path, **more: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=engine.url.render_as_string(hide_password=False),
                    partners=partners, as2_max_bytes=64 * 1024 * 1024, as2_timeout_seconds=10, **more)


@pytest.fixture
def partner_url() -> str:
    """Where fabrikam's AS2 server listens (only the send tests start one there)."""
    return f"http://127.0.0.1:{free_port()}/as2"


@pytest.fixture
def gateway(engine: Engine, tmp_path: Path, keys: dict[str, tuple[Path, Path]], partner_url: str) -> Iterator[Served]:
    """The gateway serving /as2; an asynchronous MDN is posted at once by the task's own function in a thread
    (the broker is the workers' tests' business)."""
    settings = gateway_settings(engine, tmp_path, partners_file(tmp_path, keys, partner_url))
    served = Served("", settings, engine)

    def post_mdn(exchange_id: int) -> None:
        served.posted_mdns.append(exchange_id)
        threading.Thread(target=post_async_mdn, args=(engine, exchange_id, 10), daemon=True).start()

    with serve(settings, engine, post_mdn) as served.url:
        yield served


@pytest.fixture
def partner(tmp_path: Path, keys: dict[str, tuple[Path, Path]]) -> OpensslPartner:
    work = tmp_path / "openssl"
    work.mkdir()
    key, cert = keys["fabrikam"]
    return OpensslPartner(work, key, cert, keys["gateway"][1])


def post(url: str, headers: dict[str, str], body: bytes) -> httpx.Response:
    return httpx.post(f"{url}/as2", headers=headers, content=body, timeout=30)
