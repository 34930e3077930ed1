"""
The revocation admin: sessions and refresh tokens, view-only, with revoke actions.

Every revocation goes through a confirmation page that asks staff for a reason,
runs only on POST (CSRF-checked by ``admin_view``), calls the same services as
the API, and leaves an admin ``LogEntry`` plus a security-log event.

Where each part lives:

- ``sessions``: the session admin, its revoke action and button.
- ``revoke_token``: the "Revoke a token" page, which finds a pasted token's session.
- ``refresh_tokens``: the refresh-token admin and a session's token chain.
- ``resource_servers``: registered resource servers, their secrets shown once.
- ``event_streams``: their security event streams and what waits in them.
- ``users``: ``SessionRevocationUserAdminMixin`` and ``register_user_admin()``,
  for a site's own user admin.
- ``revocation``: the revoke permission, the revoke loop and the confirmation
  page that every revoke action and button goes through.
- ``base``: building blocks (view-only, search by UUID, status filters, columns).
"""

from tokens.admin.base import (
    LimitedInlineFormSet,
    StatusFilter,
    UUIDSearchMixin,
    ViewOnlyMixin,
    admin_url,
    session_status_label,
)
from tokens.admin.event_streams import EventStreamAdmin
from tokens.admin.refresh_tokens import (
    RefreshTokenFormSet,
    RefreshTokenInline,
    RefreshTokenRecordAdmin,
    RefreshTokenStatusFilter,
)
from tokens.admin.resource_servers import ResourceServerAdmin
from tokens.admin.revocation import (
    REVOKE_PERMISSION,
    RevocationAdminMixin,
    RevocationConfirmation,
    can_revoke,
    session_rows,
)
from tokens.admin.sessions import SessionAdmin, SessionStatusFilter
from tokens.admin.users import (
    RecentSessionsFormSet,
    SessionInline,
    SessionRevocationUserAdminMixin,
    register_user_admin,
)

__all__ = [
    "REVOKE_PERMISSION",
    "EventStreamAdmin",
    "LimitedInlineFormSet",
    "RecentSessionsFormSet",
    "RefreshTokenFormSet",
    "RefreshTokenInline",
    "RefreshTokenRecordAdmin",
    "RefreshTokenStatusFilter",
    "ResourceServerAdmin",
    "RevocationAdminMixin",
    "RevocationConfirmation",
    "SessionAdmin",
    "SessionInline",
    "SessionRevocationUserAdminMixin",
    "SessionStatusFilter",
    "StatusFilter",
    "UUIDSearchMixin",
    "ViewOnlyMixin",
    "admin_url",
    "can_revoke",
    "register_user_admin",
    "session_rows",
    "session_status_label",
]
