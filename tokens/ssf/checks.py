"""
Start-up checks of the security events.

tokens.E060: with SECURITY_EVENTS on, the key ring must hold an asymmetric
key: receivers verify SETs with the JWKS, which publishes no shared secret.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Tags, register

from tokens.app_settings import app_settings
from tokens.ssf.events import NoEventKey, event_key


@register(Tags.security)
def check_security_events(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not app_settings.SECURITY_EVENTS:
        return []
    try:
        event_key()
    except NoEventKey as exc:
        return [
            Error(
                str(exc),
                hint="Add an RS256, ES256 or EdDSA key (manage.py generatesigningkey).",
                id="tokens.E060",
            )
        ]
    except ValueError:
        return []  # an invalid ring is tokens.E00x's to report
    return []
