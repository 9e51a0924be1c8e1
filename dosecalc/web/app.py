"""The web app: :func:`create_app` builds it (a FastAPI app wrapped in :class:`dosecalc.web.guard.Guard`).

``dosecalc serve`` runs it under uvicorn; with several workers each builds its own from the factory and the
folder of cards named in :data:`REGIMENS_ENV`. Pages (:mod:`.pages`) and the JSON API (:mod:`.json_api`) both
call :mod:`dosecalc.api`; refusals are answered by the handlers below, in one shape (:mod:`.errors`).
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
from .guard import Guard
from .templates import render

#: The environment variable that carries ``--regimens-dir`` to each worker process.
REGIMENS_ENV = "DOSECALC_WEB_REGIMENS_DIR"
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


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    message = "there is no such page" if error.status_code == 404 else str(error.detail)
    if _is_api(request) and error.status_code == 400:  # a body that is not even text: bad input as any other
        return JSONResponse(errors.body("body", "is not valid JSON in UTF-8"), status_code=422)
    if _is_api(request):
        return JSONResponse(errors.body(None, message), status_code=error.status_code, headers=error.headers)
    return _error_page(request, error.status_code, message[:1].upper() + message[1:] + ".")


def create_app(regimens_dir: str | Path | None = None) -> Any:
    """The app, for the cards built in and those of ``regimens_dir`` (default: the folder named by
    :data:`REGIMENS_ENV`, or none). The folder is checked now, so a broken card stops the server at start."""
    from .. import api

    if regimens_dir is None and os.environ.get(REGIMENS_ENV):
        regimens_dir = os.environ[REGIMENS_ENV]
    folder = None if regimens_dir is None else Path(regimens_dir)
    api.cards(folder)
    app = FastAPI(
        title="dosecalc",
        version=__version__,
        description=f"Educational infusion dose calculator. {DISCLAIMER}",
        docs_url=None,  # the interactive docs load scripts from outside the server
        redoc_url=None,
    )
    app.state.regimens_dir = folder
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
