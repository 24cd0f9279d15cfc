"""The errors a transport raises, so that its caller knows whether a retry can help.

TransportError              every error a transport raises on purpose
├── TransportRetryable      worth another try later: directory unreachable, disk full, server down, timeout
└── TransportRejected       this file, name or setting is wrong; retrying will not help; `reason` says what

Transports know nothing of the domain, so these stand apart from `gateway.errors`; the gateway's
`RETRYABLE` tuple names both retryable kinds for the workers.
"""

from __future__ import annotations


class TransportError(Exception):
    """Base of every error a transport raises on purpose."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransportRetryable(TransportError):
    """Worth another try later: the directory or server is unreachable, the disk is full, a timeout."""


class TransportRejected(TransportError):
    """Retrying will not help: a file too large, an unsafe name, a different file already under that name."""
