"""Why an AS2 message was refused, in the words of its MDN (RFC 4130 section 7.4.3, RFC 8098 section 3.2.6).

Each failure carries the disposition modifier the sender reads in its negative MDN and a reason for the
operator, which names the partner and what to fix.
"""

from __future__ import annotations

from transports.errors import TransportRejected

AUTHENTICATION_FAILED = "authentication-failed"  # unknown AS2 id, or a signature by someone else
DECRYPTION_FAILED = "decryption-failed"
DECOMPRESSION_FAILED = "decompression-failed"
INTEGRITY_CHECK_FAILED = "integrity-check-failed"  # the signature does not match the content
INSUFFICIENT_SECURITY = "insufficient-message-security"  # unsigned or unencrypted where the partner must
UNSUPPORTED_ALGORITHM = "unsupported-algorithm"
UNEXPECTED_ERROR = "unexpected-processing-error"


class As2Failure(TransportRejected):
    """A message we cannot accept: answered with `processed/error: <modifier>` and never stored."""

    def __init__(self, modifier: str, reason: str) -> None:
        super().__init__(reason)
        self.modifier = modifier
