"""
Revocation beyond one site: an OpenID Shared Signals Framework 1.0
transmitter that tells other services which sessions are revoked.

- ``models``: event streams (one per receiver) and the event outbox
- ``events``: the CAEP/SSF events as Security Event Tokens (RFC 8417)
- ``emit``: every revocation path records its events in its own transaction
- ``delivery``: push (RFC 8935) with retries and back-off, from the outbox
- ``views``, ``urls``: configuration, stream management, status,
  verification and poll (RFC 8936)

See docs/other-services.md.
"""
