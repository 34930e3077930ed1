"""
What the receiver costs a service per request, against plain JWKS
verification of the same token.

Plain verification is what a service writes with PyJWT alone: the key from
the JWKS by ``kid`` (PyJWKClient, cached), then ``jwt.decode`` with the
issuer, audience and required claims. The receiver does that, then asks its
revocation set (here holding 10,000 revoked sessions) and its freshness.
Both verify the same tokens, signed by this site's key types, in the same
process, in interleaved rounds; CPU time per call is the measure.

Run alone: ``python -m bench.receiver`` (prints JSON).
"""

from __future__ import annotations

import http.server
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from statistics import median
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from tokens_receiver.revocations import RevocationSet
from tokens_receiver.verifier import Verifier

CALLS = 2000
REVOKED = 10_000
ISSUER, AUDIENCE = "https://auth.example", "orders"
KEYS = {
    "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "EdDSA": ed25519.Ed25519PrivateKey.generate,
}
REQUIRED = ["exp", "iat", "nbf", "iss", "aud", "sub", "sid", "jti"]


def _jwks(private_keys: dict[str, Any]) -> bytes:
    algorithms = jwt.algorithms.get_default_algorithms()
    keys = []
    for alg, key in private_keys.items():
        jwk = algorithms[alg].to_jwk(key.public_key(), as_dict=True)
        keys.append({**jwk, "kid": alg.lower(), "alg": alg, "use": "sig"})
    return json.dumps({"keys": keys}).encode()


@contextmanager
def jwks_server(body: bytes) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


def access_token(key: Any, alg: str) -> str:
    now = int(time.time())
    claims = {
        "token_type": "access",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "6427783516208195",
        "sid": str(uuid.uuid4()),
        "jti": uuid.uuid4().hex,
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
    }
    headers = {"kid": alg.lower(), "typ": "at+jwt"}  # as this site mints them
    return jwt.encode(claims, key, algorithm=alg, headers=headers)


def cases(url: str, tokens: dict[str, str]) -> dict[str, Callable[[], Any]]:
    client = jwt.PyJWKClient(url, cache_keys=True)
    revocations = RevocationSet(max_staleness=3600, known_since=0.0)
    for _ in range(REVOKED):
        revocations.revoke(str(uuid.uuid4()))
    revocations.heard()
    verifier = Verifier(ISSUER, AUDIENCE, url, revocations)
    found: dict[str, Callable[[], Any]] = {}
    for alg, token in tokens.items():

        def plain(token: str = token, alg: str = alg) -> Any:
            key = client.get_signing_key_from_jwt(token).key
            return jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": REQUIRED},
            )

        found[f"plain_{alg}"] = plain
        found[f"receiver_{alg}"] = lambda token=token: verifier.verify(token)
    return found


def _cpu_us(call: Callable[[], Any], calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        call()
    return (time.process_time() - start) / calls * 1e6


def run(rounds: int = 3, calls: int = CALLS) -> dict[str, Any]:
    private = {alg: make() for alg, make in KEYS.items()}
    tokens = {alg: access_token(key, alg) for alg, key in private.items()}
    with jwks_server(_jwks(private)) as url:
        timed = cases(url, tokens)
        for call in timed.values():  # warm: keys fetched, caches filled
            call()
        results: dict[str, list[float]] = {name: [] for name in timed}
        for _ in range(rounds):
            for name, call in timed.items():
                results[name].append(_cpu_us(call, calls))
    ratios = {}
    for alg in KEYS:
        pairs = zip(results[f"receiver_{alg}"], results[f"plain_{alg}"], strict=True)
        ratios[alg] = median(ours / plain for ours, plain in pairs)
    return {
        "rounds": results,
        "ratios": ratios,
        "calls": calls,
        "revoked": REVOKED,
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
