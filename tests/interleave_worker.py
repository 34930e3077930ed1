"""
One application process for tests/test_interleaving.py, driven over stdin.

Commands, one a line: ``check <sid> <uid>`` (the request path's revocation
check; answers ``ok`` or ``no`` and how it was answered: ``local``, ``remote``
or ``db``), ``revoke <sid>`` (logout through the service; answers ``done``
once the revocation would have answered), ``stats``.
"""

from __future__ import annotations

import json
import sys
import uuid

import django


def main() -> None:
    django.setup()

    from tokens import services
    from tokens.models import RevocationReason, Session
    from tokens.revocation import check, registry

    fast = registry.get_state()
    out = sys.stdout
    for line in sys.stdin:
        command, *args = line.split()
        if command == "check":
            before = dict(fast.stats)
            user = check.session_user_get(session_id=args[0], user_id=args[1])
            how = "local" if fast.stats["local"] > before["local"] else "remote"
            if fast.stats["remote"] == before["remote"] and how == "remote":
                how = "db"
            out.write(f"{'ok' if user is not None else 'no'} {how}\n")
        elif command == "revoke":
            session = Session(pk=uuid.UUID(args[0]))
            services.session_revoke(session=session, reason=RevocationReason.LOGOUT)
            out.write("done\n")
        elif command == "stats":
            out.write(json.dumps(fast.stats) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
