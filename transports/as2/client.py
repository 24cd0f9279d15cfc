"""Posting to a partner's AS2 URL: an AS2 message or an asynchronous MDN. A network failure, a timeout or a 5xx
is worth another try later; a 4xx means the partner refuses what we sent."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from transports.errors import TransportRejected, TransportRetryable


def post(url: str, headers: Mapping[str, str], body: bytes, timeout: float, what: str,
         http: httpx.Client | None = None) -> httpx.Response:
    """`http` is a client kept by the caller: making one costs tens of milliseconds (its TLS context), more
    than signing and encrypting a small message."""
    try:
        if http is None:
            response = httpx.post(url, headers=dict(headers), content=body, timeout=timeout)
        else:
            response = http.post(url, headers=dict(headers), content=body, timeout=timeout)
    except httpx.HTTPError as e:
        raise TransportRetryable(f"{what} to {url} failed: {type(e).__name__}: {e}") from e
    if response.status_code >= 500:
        raise TransportRetryable(f"{what} to {url}: the partner answered {response.status_code}")
    if response.status_code >= 400:
        raise TransportRejected(f"{what} to {url}: the partner refused it with {response.status_code}: "
                                f"{response.text[:200]}")
    return response
