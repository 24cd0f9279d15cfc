"""Adapters that move bytes (DESIGN section 3): one seam (`transports.base`), chosen by name from `TRANSPORTS`.

Each adapter's configuration record sits beside it; `gateway.partners` builds the partners file's
`[partners.transport]` union from them. Nothing here knows the domain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from transports.base import Inbound, PolledTransport, Receipt, Transport, TransportContext
from transports.errors import TransportError, TransportRejected, TransportRetryable
from transports.folder import FolderTransport
from transports.sftp import SftpTransport

# kind -> adapter, built from its configuration record and the context. AS2 has its record (transports.as2) and
# gets its adapter in the transports issue.
TRANSPORTS: Mapping[str, Callable[[Any, TransportContext], Transport]] = {
    "folder": FolderTransport,
    "sftp": SftpTransport,
}


def open_transport(config: Any, context: TransportContext | None = None) -> Transport:
    """The adapter for a configuration record (anything with a `kind`). Adapters holding a connection (SFTP) have
    `close()`: call it when done (`contextlib.closing`)."""
    adapter = TRANSPORTS.get(config.kind)
    if adapter is None:
        raise TransportRejected(f"no adapter for kind {config.kind!r} in this build; expected one of "
                                f"{', '.join(sorted(TRANSPORTS))}")
    return adapter(config, context or TransportContext())


__all__ = ["TRANSPORTS", "Inbound", "PolledTransport", "Receipt", "Transport", "TransportContext",
           "TransportError", "TransportRejected", "TransportRetryable", "open_transport"]
