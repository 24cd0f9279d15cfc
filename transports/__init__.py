"""Adapters that move bytes (DESIGN section 3): one seam (`transports.base`), chosen by name from `TRANSPORTS`.

Each adapter's configuration record sits beside it; `gateway.partners` builds the partners file's
`[partners.transport]` union from them. Nothing here knows the domain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from transports.base import Inbound, PolledTransport, Receipt, Transport
from transports.errors import TransportError, TransportRejected, TransportRetryable
from transports.folder import FolderTransport

# kind -> adapter, built from its configuration record. SFTP and AS2 have their records (transports.sftp,
# transports.as2) and get their adapters in the transports issue.
TRANSPORTS: Mapping[str, Callable[[Any], Transport]] = {"folder": FolderTransport}


def open_transport(config: Any) -> Transport:
    """The adapter for a configuration record (anything with a `kind`)."""
    adapter = TRANSPORTS.get(config.kind)
    if adapter is None:
        raise TransportRejected(f"no adapter for kind {config.kind!r} in this build; expected one of "
                                f"{', '.join(sorted(TRANSPORTS))}")
    return adapter(config)


__all__ = ["TRANSPORTS", "Inbound", "PolledTransport", "Receipt", "Transport", "TransportError",
           "TransportRejected", "TransportRetryable", "open_transport"]
