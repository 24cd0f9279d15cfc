"""The embedded broker: kombu's `filesystem://` transport, with each message written whole before it can be read.

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
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


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
