"""
A FastAPI service that verifies the site's access tokens alone: no access to
its database or Redis, only its JWKS and its security events (push). Run by
the tests under uvicorn, configured by ``TOKENS_RECEIVER_*`` variables.
"""

from typing import Any

from fastapi import Depends, FastAPI
from tokens_receiver import Receiver
from tokens_receiver.fastapi import lifespan, push_router, require_token

receiver = Receiver.from_env()
app = FastAPI(lifespan=lifespan(receiver))
app.include_router(push_router(receiver))


@app.get("/orders")
def orders(claims: dict[str, Any] = Depends(require_token)) -> dict[str, Any]:
    return {"user": claims["sub"], "sid": claims["sid"]}
