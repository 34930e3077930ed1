"""Short, human descriptions of user agents for session lists."""

from __future__ import annotations

try:  # optional: a real parser when installed
    from user_agents import parse as _parse_user_agent
except ImportError:  # pragma: no cover - exercised where user-agents is absent
    _parse_user_agent = None

_FAMILIES = ("Firefox", "Edg", "Chrome", "Safari", "curl", "python-requests")


def describe_user_agent(user_agent: str) -> str:
    """Return e.g. ``"Firefox 128 on Linux"``; ``"unknown"`` for an empty agent."""
    if not user_agent:
        return "unknown"
    if _parse_user_agent is not None:
        parsed = _parse_user_agent(user_agent)
        browser = f"{parsed.browser.family} {parsed.browser.version_string}".strip()
        return (
            f"{browser} on {parsed.os.family}"
            if parsed.os.family != "Other"
            else browser
        )
    found = next((name for name in _FAMILIES if name in user_agent), None)
    return found or user_agent[:40]
