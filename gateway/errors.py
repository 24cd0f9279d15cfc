"""The exception tree of the gateway.

GatewayError                 every error the gateway raises on purpose
├── Retryable                worth another try later: network down, timeout, lock, 5xx
└── Rejected                 the input is wrong; retrying will not help; `reason` is shown to users
    ├── ConfigError          a settings or partners file problem (one line per problem)
    ├── TooLarge             a document over the size limit, refused whole with nothing stored
    └── BusinessError        a lifecycle rule refused a document; `code` is a Refusal

Transports raise their own pair (transports.errors: TransportRetryable, TransportRejected), since they know
nothing of the domain; `RETRYABLE` names every error a retry can help with, for the workers' retry policy.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.exc import OperationalError

from transports.errors import TransportRetryable


class Refusal(StrEnum):
    """Why a lifecycle rule refused a document: stable codes the API maps to HTTP statuses and the pipeline
    records on the message; `replayable` says whether the same document may succeed later."""

    UNKNOWN_PO = "unknown_po"  # a receipt or response before the PO arrived: replayable
    AMBIGUOUS_PO = "ambiguous_po"
    DUPLICATE_PO = "duplicate_po"
    UNKNOWN_VERSION = "unknown_version"  # an answer to a version still on its way: replayable
    UNKNOWN_LINE = "unknown_line"
    DUPLICATE_LINE = "duplicate_line"
    NO_LINES = "no_lines"
    STALE_VERSION = "stale_version"
    OUT_OF_ORDER = "out_of_order"
    PRICE_CHANGE = "price_change"
    INCONSISTENT = "inconsistent"
    DUPLICATE_RESPONSE = "duplicate_response"
    CANNOT_CONFIRM = "cannot_confirm"
    NOT_CONFIRMED = "not_confirmed"  # a receipt before the confirmation: replayable
    DUPLICATE_RECEIPT = "duplicate_receipt"
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_PRICE = "invalid_price"
    INVALID_ATTACHMENT = "invalid_attachment"
    CANCELLED = "cancelled"
    CONSIGNMENT = "consignment"
    NOT_LINKED = "not_linked"  # customer and vendor unknown or not trading with each other
    WRONG_SENDER = "wrong_sender"  # a document its sender's role never sends (an 855 from a customer)

    @property
    def replayable(self) -> bool:
        return self in _REPLAYABLE


_REPLAYABLE = frozenset({Refusal.UNKNOWN_PO, Refusal.UNKNOWN_VERSION, Refusal.NOT_CONFIRMED})


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


class TooLarge(Rejected):
    """A document larger than the limit it is received under: refused whole, nothing of it stored."""

    def __init__(self, limit: int, setting: str = "GATEWAY_MAX_MESSAGE_BYTES") -> None:
        super().__init__(f"the file is larger than {limit:,} bytes, the limit of {setting}; refused whole, "
                         "nothing of it stored")
        self.limit = limit


class BusinessError(Rejected):
    """A lifecycle rule refused a document. `code` is stable and machine-readable, `reason` is for people."""

    def __init__(self, code: Refusal, reason: str) -> None:
        super().__init__(reason)
        self.code = code


class UnknownPO(BusinessError):
    def __init__(self, po_number: str, customer: str | None) -> None:
        whose = f" of customer {customer}" if customer else ""
        super().__init__(Refusal.UNKNOWN_PO, f"PO {po_number}{whose} is not known to the gateway")


# What the workers retry (with backoff), wherever it was raised; everything else fails at once. The database
# refusing connections (or dropping one) is an OperationalError wherever it surfaces.
RETRYABLE: tuple[type[Exception], ...] = (Retryable, TransportRetryable, OperationalError)
