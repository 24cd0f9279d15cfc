"""The brokers' kombu transports, each a small subclass fixing what a gateway worker met in kombu's own.

- `Transport`: the embedded broker, kombu's `filesystem://`, with each message written whole before it can be read.
- `RedisTransport`: kombu's Redis transport, with which a worker survives a Redis restart (see RedisChannel).

Kombu's filesystem channel creates a message file under its final name and then writes it; a worker listing the
folder at that moment takes the empty file and dies on the JSON (seen with a scheduler and a worker, a poll a
second). Here a message is written under a name no queue reads, fsynced, and renamed into place.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.transport import filesystem
from kombu.transport import redis as redis_transport
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(filesystem.Channel):  # type: ignore[misc]
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        temporary = os.path.join(self.data_folder_out, f".{name}.writing")  # no queue reads this name
        try:
            with open(temporary, "xb") as stream:
                stream.write(str_to_bytes(dumps(payload)))
                stream.flush()
                os.fsync(stream.fileno())
            os.rename(temporary, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):  # type: ignore[misc]
    Channel = Channel


class RedisChannel(redis_transport.Channel):  # type: ignore[misc]
    """Kombu's Redis channel, for a worker that outlives a Redis restart.

    When the connection to Redis is lost, Celery collects the connection (which drops the transport's `client`)
    and then closes it. A channel closed at that point (one that was waiting on BRPOP when the error surfaced on
    another socket), or a task acknowledged late after it, asks for a new Redis connection pool, and kombu builds
    its parameters from the dropped client: AttributeError, which no layer treats as a connection error, so Celery
    stops the worker as "unrecoverable". Here it is the connection error it is: the message is given back by the
    sweeper (or Redis's visibility timeout) and the worker reconnects.
    """

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:
            raise RedisConnectionError("the connection to the broker was closed (Redis went away)")
        params: dict[str, Any] = super()._connparams(asynchronous=asynchronous)
        return params


class RedisTransport(redis_transport.Transport):  # type: ignore[misc]
    Channel = RedisChannel
