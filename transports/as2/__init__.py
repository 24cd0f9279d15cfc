"""AS2 (RFC 4130) with RFC 8098 MDNs: the configuration record, the message body both ways (`message`), MDNs
(`mdn`), the CMS underneath (`cms`) and the sending adapter (`client`). Receiving happens in the HTTP app
(`gateway.as2_endpoint`), which hands each payload to the receive service."""

from transports.as2.config import As2Config

__all__ = ["As2Config"]
