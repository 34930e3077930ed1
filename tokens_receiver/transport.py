"""
The few HTTP calls the receiver makes, with the standard library only.

No ``requests`` dependency: a receiver is installed into other services, and
each dependency it brings is one more they must accept. Redirects are not
followed (a credential sent with Basic auth must not travel to another
origin), only http and https URLs are opened, and answers are read up to a
size limit so a misbehaving server cannot exhaust memory.
"""

from __future__ import annotations

import base64
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

MAX_ANSWER_BYTES = 4 * 1024 * 1024
USER_AGENT = "tokens-receiver"


class TransportError(Exception):
    """A server could not be reached, or answered what no caller can use."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        """Return the body as JSON; TransportError if it is not."""
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError) as exc:
            raise TransportError("the answer is not JSON") from exc


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect())


def basic_auth(client_id: str, client_secret: str) -> str:
    """Return the ``Authorization`` value of HTTP Basic (client_secret_basic)."""
    pair = f"{client_id}:{client_secret}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def check_url(url: str) -> str:
    """Return *url* if it is http(s); ValueError otherwise (no file:, no ftp:)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url!r}")
    return url


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    content_type: str | None = None,
    authorization: str | None = None,
    timeout: float = 10.0,
) -> Answer:
    """Send one request; return its answer, whatever the status."""
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if content_type:
        headers["Content-Type"] = content_type
    if authorization:
        headers["Authorization"] = authorization
    req = urllib.request.Request(  # noqa: S310 (check_url: http(s) only)
        check_url(url), data=body, headers=headers, method=method
    )
    try:
        with _opener.open(req, timeout=timeout) as response:
            return Answer(response.status, _read(response))
    except urllib.error.HTTPError as exc:
        with exc:
            return Answer(exc.code, _read(exc))
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise TransportError(f"{method} {url}: {exc}") from exc


def _read(response: Any) -> bytes:
    data: bytes = response.read(MAX_ANSWER_BYTES + 1)
    if len(data) > MAX_ANSWER_BYTES:
        raise TransportError("the answer is too large")
    return data


def post_json(
    url: str, payload: Any, *, authorization: str | None, timeout: float = 10.0
) -> Answer:
    return request(
        "POST",
        url,
        body=json.dumps(payload).encode(),
        content_type="application/json",
        authorization=authorization,
        timeout=timeout,
    )


def post_form(
    url: str, fields: dict[str, str], *, authorization: str | None, timeout: float
) -> Answer:
    return request(
        "POST",
        url,
        body=urllib.parse.urlencode(fields).encode(),
        content_type="application/x-www-form-urlencoded",
        authorization=authorization,
        timeout=timeout,
    )


def get_json(
    url: str, *, authorization: str | None = None, timeout: float = 10.0
) -> Any:
    """GET *url* and return its JSON; TransportError unless the answer is 200."""
    answer = request("GET", url, authorization=authorization, timeout=timeout)
    if answer.status != 200:
        raise TransportError(f"GET {url}: HTTP {answer.status}")
    return answer.json()
