"""The exception tree of the gateway.

GatewayError                 every error the gateway raises on purpose
├── Retryable                worth another try later: network down, timeout, lock, 5xx
└── Rejected                 the input is wrong; retrying will not help; `reason` is shown to users
    ├── ConfigError          a settings or partners file problem (one line per problem)
    └── BusinessError        a lifecycle rule refused a document (unknown PO, stale version, price change...)

Transports raise their own pair (transports.errors: TransportRetryable, TransportRejected), since they know
nothing of the domain; `RETRYABLE` names every error a retry can help with, for the workers' retry policy.
"""

from __future__ import annotations

from transports.errors import TransportRetryable


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose."""


class Retryable(GatewayError):
    """Worth another try later: network down, timeout, 5xx, lock."""


class Rejected(GatewayError):
    """The input is wrong; retrying will not help. Carries the reason shown to users."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConfigError(Rejected):
    """A settings or partners file is wrong; `problems` holds one printable line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class BusinessError(Rejected):
    """A lifecycle rule refused a document. `code` is stable and machine-readable, `reason` is for people."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


class UnknownPO(BusinessError):
    def __init__(self, po_number: str, customer: str | None) -> None:
        whose = f" of customer {customer}" if customer else ""
        super().__init__("unknown_po", f"PO {po_number}{whose} is not known to the gateway")


# What the workers retry (with backoff), wherever it was raised; everything else fails at once.
RETRYABLE: tuple[type[Exception], ...] = (Retryable, TransportRetryable)
