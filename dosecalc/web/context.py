"""What every route needs from the running app: the teacher's folder of cards, given when the server starts
(``dosecalc serve --regimens-dir``). No path is ever taken from a request."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request


async def folder(request: Request) -> Path | None:
    """The folder of extra regimen cards the server was started with, or None. A coroutine, though it awaits
    nothing: FastAPI runs a plain function dependency in its thread pool, a hand-off per request that costs
    more than this lookup."""
    found: Path | None = request.app.state.regimens_dir
    return found
