"""The web app: :func:`create_app` builds it (a FastAPI app wrapped in :class:`dosecalc.web.guard.Guard`).

``dosecalc serve`` runs it under uvicorn; with several workers each builds its own from the factory, the
folder of cards named in :data:`REGIMENS_ENV`, the teacher's key file named in :data:`TEACHER_KEY_ENV` (its
path, never its secret) and the address listened on, in :data:`HOST_ENV`. Pages (:mod:`.pages`) and the JSON
API (:mod:`.json_api`) both call :mod:`dosecalc.api`; refusals are answered by the handlers below, in one
shape (:mod:`.errors`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from .. import __version__
from ..errors import DoseCalcError
from ..wording import DISCLAIMER
from . import errors, json_api, pages
from .access import SESSION_SECONDS, TeacherOnly
from .guard import Guard
from .templates import render

#: The environment variable that carries ``--regimens-dir`` to each worker process.
REGIMENS_ENV = "DOSECALC_WEB_REGIMENS_DIR"
#: The environment variable that carries ``--teacher-key`` (the key file's path) to each worker process.
TEACHER_KEY_ENV = "DOSECALC_WEB_TEACHER_KEY"
#: The environment variable that carries ``--host`` to each worker process.
HOST_ENV = "DOSECALC_WEB_HOST"
#: Said on the login form when the teacher's session has ended.
ENDED = (
    f"your login has ended (a login lasts {SESSION_SECONDS // 3600} hours and ends when the server restarts); "
    "type the login code dosecalc serve printed"
)
STATIC = Path(__file__).resolve().parent / "static"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(request: Request, status: int, message: str) -> HTMLResponse:
    html = render("error.html", path=request.url.path, disclaimer=DISCLAIMER, title="Not done", message=message)
    return HTMLResponse(html, status_code=status)


async def _library_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, DoseCalcError)
    if _is_api(request):
        return JSONResponse(errors.from_library(error), status_code=422)
    return _error_page(request, 422, str(error))


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    return JSONResponse(errors.from_validation(error.errors()), status_code=422)


async def _unreadable_body(request: Request) -> str:
    """Why a request's body could not be read as JSON, in a few words."""
    import json

    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        return "is not UTF-8 text"
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return f"is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
    except ValueError:  # Python refuses to read an integer of more than 4,300 digits
        return "holds a number too long to read (thousands of digits); numbers here have at most 19 digits"
    return "could not be read as JSON"


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    message = "there is no such page" if error.status_code == 404 else str(error.detail)
    if _is_api(request) and error.status_code == 400:  # a body that cannot be read: bad input as any other
        return JSONResponse(errors.body("body", await _unreadable_body(request)), status_code=422)
    if _is_api(request):
        return JSONResponse(errors.body(None, message), status_code=error.status_code, headers=error.headers)
    return _error_page(request, error.status_code, message[:1].upper() + message[1:] + ".")


async def _teacher_only(request: Request, error: Exception) -> Response:
    assert isinstance(error, TeacherOnly)
    if error.status == 403:
        message = (
            "The teacher's pages are closed: this server can be reached from the network and has no teacher's key. "
            "Start it with dosecalc serve --teacher-key FILE (a key made by dosecalc key new) to open them "
            "behind a login."
        )
        return _error_page(request, 403, message)
    if error.ended:
        return pages.login_page(request, 401, ENDED)
    return pages.login_page(request, 401)


def create_app(
    regimens_dir: str | Path | None = None, *, teacher_key: str | Path | None = None, host: str | None = None
) -> Any:
    """The app, for the cards built in and those of ``regimens_dir`` (default: the folder named by
    :data:`REGIMENS_ENV`, or none), with the teacher's key file ``teacher_key`` (default: the file named by
    :data:`TEACHER_KEY_ENV`, or none) and listening on ``host`` (default: :data:`HOST_ENV`, or 127.0.0.1).
    The folder and the key are checked now, so a broken card or key file stops the server at start.

    With a key, the teacher's pages ask for the login code ``serve`` prints and make graded sheets; without
    one they are open on a loopback address and refused on any other (:mod:`.access`)."""
    from .. import api
    from .access import is_loopback, this_start

    if regimens_dir is None and os.environ.get(REGIMENS_ENV):
        regimens_dir = os.environ[REGIMENS_ENV]
    if teacher_key is None and os.environ.get(TEACHER_KEY_ENV):
        teacher_key = os.environ[TEACHER_KEY_ENV]
    if host is None:
        host = os.environ.get(HOST_ENV) or "127.0.0.1"
    folder = None if regimens_dir is None else Path(regimens_dir)
    api.cards(folder)
    key = None if teacher_key is None else api.teacher_key(teacher_key)
    app = FastAPI(
        title="dosecalc",
        version=__version__,
        description=f"Educational infusion dose calculator. {DISCLAIMER}",
        docs_url=None,  # the interactive docs load scripts from outside the server
        redoc_url=None,
    )
    app.state.regimens_dir = folder
    app.state.teacher_key = key
    app.state.loopback = is_loopback(host)
    app.state.start = this_start()  # the sessions of this start only
    app.add_exception_handler(TeacherOnly, _teacher_only)
    app.add_exception_handler(DoseCalcError, _library_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.include_router(json_api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", summary="For monitoring: answers while the server runs")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return Guard(app)
