"""Real Redis for the lease and worker tests: 127.0.0.1:6379 (GATEWAY_TEST_REDIS_URL), every key under a prefix
of its own per test so that parallel runs and other developers' tests never meet. Unreachable: skipped loudly,
or failed under GATEWAY_REQUIRE_SERVICES=1."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.conftest import REQUIRE_SERVICES, created_database
from tests.workers.pipeline_gateway import PipelineGateway

REDIS_URL = os.environ.get("GATEWAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as e:
        reason = f"Redis at {REDIS_URL} is unreachable ({e})"
        if REQUIRE_SERVICES:
            pytest.fail(f"GATEWAY_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(f"SKIPPED LOUDLY: {reason}; set GATEWAY_TEST_REDIS_URL")
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix for this test alone; its keys are deleted afterwards."""
    prefix = f"gwtest-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """An empty PostgreSQL database of this test's own (worker processes connect to it); dropped afterwards."""
    with created_database() as url:
        yield url


@pytest.fixture
def gateways() -> Iterator[list[PipelineGateway]]:
    """Whole gateways a test starts (tests.workers.pipeline_gateway); their processes are killed afterwards."""
    started: list[PipelineGateway] = []
    yield started
    for gateway in started:
        gateway.stop()
