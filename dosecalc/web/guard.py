"""The web app's outer layer (plain ASGI): size limits on what a request may send, and the security headers
every response carries.

- A request body over :data:`MAX_BODY` bytes is refused with 413 before the app sees it, whether its size
  is declared (``Content-Length``) or not (chunked): the body is read up to the limit and replayed.
- A query string over :data:`MAX_QUERY` bytes is refused with 414.
- Either refusal is JSON (``{"error": {"field", "message"}}``) for the API (``/api/``) and an HTML page, with
  the disclaimer and the way back, for every other address (the pages).
- Every response gets a Content-Security-Policy without ``unsafe-inline`` (nothing but this server's own
  stylesheet and images; no script at all), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy:
  no-referrer`` and ``X-Frame-Options: DENY``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Largest request body accepted, in bytes.
MAX_BODY = 64 * 1024
#: Longest query string accepted, in bytes.
MAX_QUERY = 8 * 1024

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'none'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class Guard:
    """Wraps an ASGI app with the limits and headers above."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(header for header in HEADERS if header[0] not in present),
                ]
            await send(message)

        if len(scope.get("query_string", b"")) > MAX_QUERY:
            await _refuse(send_with_headers, scope, 414, "query", f"the query is longer than {MAX_QUERY:,} bytes")
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            await _refuse(send_with_headers, scope, 413, "body", f"the request body is larger than {MAX_BODY:,} bytes")
            return
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            body = await _read_body(receive)
            if body is None:
                await _refuse(
                    send_with_headers, scope, 413, "body", f"the request body is larger than {MAX_BODY:,} bytes"
                )
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send_with_headers)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None once it passes :data:`MAX_BODY`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body read ahead once, then waits on the real one (for a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(send: Send, scope: Scope, status: int, field: str, message: str) -> None:
    path = str(scope.get("path", ""))
    if path.startswith("/api/"):
        body = json.dumps({"error": {"field": field, "message": message}}).encode()
        kind = b"application/json"
    else:
        from ..wording import DISCLAIMER
        from .templates import render

        title = "Too long to read" if status == 414 else "Too large to read"
        shown = f"Not read: {message}. Go back and send less (a shorter form or fewer answers)."
        body = render("error.html", path=path, disclaimer=DISCLAIMER, title=title, message=shown).encode()
        kind = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
