"""AS2 in the gateway: the exchange records (`store`), receiving at `POST /as2` (`receive`, served by
`gateway.as2_endpoint`) and the MDN bookkeeping of what we send. The bytes and the cryptography live in
`transports.as2`, which knows nothing of the domain."""
