"""
The FastAPI example of docs/other-services.md runs as printed: at most 15
lines, configured by the environment, served by uvicorn, accepting a token
and refusing it once its session is revoked.
"""

from __future__ import annotations

import re
import types
import uuid
from pathlib import Path

from tests.receiver import keys
from tests.receiver.conftest import eventually
from tests.receiver.servers import UvicornThread, call

DOC = Path(__file__).resolve().parents[2] / "docs" / "other-services.md"


def fastapi_example() -> str:
    section = DOC.read_text().split("## FastAPI", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_example_is_short():
    assert len(fastapi_example().splitlines()) <= 15


def test_the_example_runs(transmitter, monkeypatch, key):
    for name, value in {
        "ISSUER": keys.ISSUER,
        "AUDIENCE": keys.AUDIENCE,
        "SSF_CONFIGURATION_URL": f"{transmitter.url}/.well-known/ssf-configuration",
        "CLIENT_ID": keys.CLIENT_ID,
        "CLIENT_SECRET": keys.CLIENT_SECRET,
        "STREAM_ID": keys.STREAM_ID,
        "MODE": "poll",
        "POLL_INTERVAL": "0.05",
        "REFUSE_TOKENS_BEFORE_START": "false",
    }.items():
        monkeypatch.setenv(f"TOKENS_RECEIVER_{name}", value)
    module = types.ModuleType("app")
    exec(compile(fastapi_example(), str(DOC), "exec"), module.__dict__)
    server = UvicornThread(module.app, lifespan="on").start()
    try:
        sid = str(uuid.uuid4())
        token = keys.access_token(key, sid)
        assert module.receiver.wait_fresh(10)
        reply = call("GET", server.url + "/orders", token=token)
        assert reply.json() == {"user": "42", "session": sid}
        transmitter.revoke(sid)
        eventually(
            lambda: call("GET", server.url + "/orders", token=token).status == 401
        )
    finally:
        server.stop()
