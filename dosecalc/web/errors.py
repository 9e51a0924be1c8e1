"""Mistakes as HTTP answers: one JSON shape, ``{"error": {"field": ..., "message": ...}}``, status 422.

A :class:`dosecalc.DoseCalcError` keeps its field (the API parameter, which is also the query parameter's
name) and its message, the one the command line prints after the option's name. FastAPI's own validation
errors (a missing parameter, text where a whole number is expected, a value too long) are worded the same
way instead of FastAPI's list of pydantic errors. Other HTTP errors (404, 405) keep their status, in the same
shape for ``/api/`` paths and as a page elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from ..errors import DoseCalcError


class Problem(BaseModel):
    field: str | None
    message: str


class ErrorBody(BaseModel):
    """What every refusal of the JSON API returns."""

    error: Problem


#: The refusals every JSON endpoint documents in the OpenAPI schema.
RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "A value that cannot be used, named by its field"},
    413: {"model": ErrorBody, "description": "A request body over 64 KB"},
    414: {"model": ErrorBody, "description": "A query string over 8 KB"},
}

_PLACES = ("query", "body", "path", "header", "cookie")


def body(field: str | None, message: str) -> dict[str, Any]:
    return {"error": {"field": field, "message": message}}


def from_library(error: DoseCalcError) -> dict[str, Any]:
    return body(error.field, error.problem)


def from_validation(errors: Sequence[Any]) -> dict[str, Any]:
    """The first of FastAPI's validation errors, worded as dosecalc words its own."""
    first = dict(errors[0]) if errors else {"loc": (), "type": "", "msg": "is not valid"}
    where = [str(part) for part in first.get("loc", ())]
    names = [part for part in where if part not in _PLACES]
    field = "body" if first.get("type") == "json_invalid" or not names else names[0]
    return body(field, _message(first))


def _message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    given = error.get("input")
    ctx = error.get("ctx") or {}
    shown = f"{given!r:.40}" if isinstance(given, (str, int, float)) else "a value of another kind"
    if kind == "missing":
        return "is required"
    if kind == "int_parsing_size" and isinstance(given, str):
        return f"is a whole number of {len(given):,} digits, too long to read; expected at most 19 digits"
    if kind.startswith("int_"):
        return f"expected a whole number, got {shown}"
    if kind.startswith("bool_"):
        return f"expected true or false, got {shown}"
    if kind in ("literal_error", "enum"):
        return f"{shown} is not one of {ctx.get('expected', 'the choices')}"
    if kind == "string_too_long":
        return f"is longer than {ctx.get('max_length')} characters"
    if kind == "too_long":
        return f"has more than {ctx.get('max_length')} values"
    if kind == "string_type":
        return f"expected text, got {shown}"
    if kind in ("dict_type", "model_attributes_type", "model_type"):
        return "expected a JSON object"
    if kind == "json_invalid":
        return "is not valid JSON"
    if kind == "extra_forbidden":
        return "is not a field of this request"
    return str(error.get("msg", "is not valid"))
