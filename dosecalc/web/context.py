"""What every route needs from the running app: the teacher's folder of cards and key, given when the server
starts (``dosecalc serve --regimens-dir``, ``--teacher-key``). No path is ever taken from a request."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request

from ..teaching.keys import TeacherKey


async def folder(request: Request) -> Path | None:
    """The folder of extra regimen cards the server was started with, or None. A coroutine, though it awaits
    nothing: FastAPI runs a plain function dependency in its thread pool, a hand-off per request that costs
    more than this lookup."""
    found: Path | None = request.app.state.regimens_dir
    return found


async def server_key(request: Request) -> TeacherKey | None:
    """The teacher's key the server was started with, or None: with it, a graded sheet's code opens its
    problems (marked for the teacher's login only, its answers withheld: :func:`.access.graded_here`); without
    it, a graded code is refused."""
    found: TeacherKey | None = request.app.state.teacher_key
    return found
