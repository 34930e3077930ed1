"""
Signals of the ``tokens`` app. All are sent after the transaction commits.

- ``session_revoked(sender=Session, session, reason, revoked_by)``
- ``reuse_detected(sender=Session, session, jti)``: a consumed refresh token was
  presented after the grace period; ``session_revoked`` follows for the session.
- ``token_rotated(sender=Session, session, old_jti, new_jti)``
"""

from django.dispatch import Signal

session_revoked = Signal()
reuse_detected = Signal()
token_rotated = Signal()
