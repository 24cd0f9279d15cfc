"""`POST /as2`: AS2 messages and asynchronous MDNs from partners (gateway.as2 does the work).

The body is read with a size limit, so an oversized message gets 413 before anything is decrypted; the work
runs in a thread (cryptography and the database block), and the answer is sent only once the message is stored
and committed. Nothing is kept in the process: any instance behind a load balancer can take any message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine

from gateway.as2 import receive as as2_receive
from gateway.as2.outbound import take_mdn
from gateway.as2.receive import Answer, As2Directory, Receive
from gateway.errors import Retryable
from transports.as2.mdn import is_mdn

log = logging.getLogger(__name__)
PostMdn = Callable[[int], None]  # queues the task that posts an asynchronous MDN (the exchange's id)


class _TooLarge(Exception):
    pass


def as2_router(engine: Engine, directory: As2Directory | None, receive: Receive, post_mdn: PostMdn,
               max_bytes: int) -> APIRouter:
    router = APIRouter()

    @router.post("/as2")
    async def as2(request: Request) -> Response:
        if directory is None:
            return _response(Answer(503, {}, b"AS2 is not configured: add a [gateway.as2] table (as2_id, "
                                              b"private_key, certificate) to the partners file\n"))
        try:
            body = await _bounded_body(request, max_bytes)
        except _TooLarge:
            return _response(Answer(413, {}, f"the AS2 message is larger than {max_bytes} bytes (the "
                                             "GATEWAY_AS2_MAX_BYTES setting)\n".encode()))
        headers = {name.lower(): value for name, value in request.headers.items()}
        try:
            if is_mdn(headers.get("content-type", ""), body):
                answer = await run_in_threadpool(take_mdn, engine, directory, headers, body)
            else:
                answer = await run_in_threadpool(as2_receive.handle, engine, directory, headers, body, receive)
        except Retryable as e:  # the database or the archive is down: nothing was acknowledged, the sender retries
            log.warning("AS2 message %s not taken: %s", headers.get("message-id"), e)
            return _response(Answer(503, {"Retry-After": "60"}, f"try again later: {e}\n".encode()))
        if answer.post_mdn is not None:
            post_mdn(answer.post_mdn)
        return _response(answer)

    return router


async def _bounded_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _response(answer: Answer) -> Response:
    headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-type"}
    media_type = answer.headers.get("Content-Type") or ("text/plain; charset=utf-8" if answer.body else None)
    return Response(answer.body, status_code=answer.status, headers=headers, media_type=media_type)
