"""
FastAPI: a dependency that returns the verified claims, a router for push,
and a lifespan that starts and stops the receiver with the app.

    receiver = Receiver.from_env()
    app = FastAPI(lifespan=lifespan(receiver))
    app.include_router(push_router(receiver))

    @app.get("/me")
    def me(claims: dict = Depends(require_token)) -> dict:
        return {"user": claims["sub"]}

``require_token`` finds the receiver in ``app.state.tokens_receiver``, which
``lifespan`` sets (or set it yourself). A refusal is an ``HTTPException``:
401 with ``WWW-Authenticate: Bearer`` and ``{"detail": ...}``, or 503 while
the receiver cannot decide.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from tokens_receiver.bearer import bearer_token, refusal
from tokens_receiver.errors import TokenRefused
from tokens_receiver.push import MAX_SET_BYTES
from tokens_receiver.receiver import Receiver

STATE_NAME = "tokens_receiver"


def lifespan(
    receiver: Receiver,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A FastAPI ``lifespan`` that runs *receiver* while the app runs."""

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        setattr(app.state, STATE_NAME, receiver)
        await run_in_threadpool(receiver.start)
        try:
            yield
        finally:
            await run_in_threadpool(receiver.stop)

    return run


def _refuse(refused: TokenRefused | None) -> HTTPException:
    status, headers, body = refusal(refused)
    detail = json.loads(body)["detail"]
    extra = {name: value for name, value in headers if name != "Content-Type"}
    return HTTPException(status_code=status, detail=detail, headers=extra)


async def require_token(request: Request) -> dict[str, Any]:
    """The claims of the request's acceptable Bearer token; HTTP 401 otherwise."""
    receiver: Receiver = getattr(request.app.state, STATE_NAME)
    try:
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            raise _refuse(None)
        claims: dict[str, Any] = await run_in_threadpool(receiver.verify, token)
    except TokenRefused as refused:
        raise _refuse(refused) from None
    return claims


def push_router(receiver: Receiver, path: str | None = None) -> APIRouter:
    """An ``APIRouter`` serving *receiver*'s push endpoint at *path*."""
    router = APIRouter()

    @router.post(path or receiver.config.push_path, include_in_schema=False)
    async def push(request: Request) -> Response:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_SET_BYTES:
                return Response(status_code=413)
        status, headers, content = await run_in_threadpool(
            receiver.handle_push,
            bytes(body),
            request.headers.get("content-type", ""),
            request.headers.get("authorization"),
        )
        return Response(content=content, status_code=status, headers=dict(headers))

    return router
