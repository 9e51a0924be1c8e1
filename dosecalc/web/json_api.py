"""The JSON API: ``/api/table``, ``/api/schedule``, ``/api/cards``, ``/api/simulate``, ``/api/exercises`` and
``POST /api/mark``. Each route is one call of :mod:`dosecalc.api` and answers with the result's JSON, the very
text ``dosecalc ... --format json`` prints for the same request.

Parameters carry the API's names (``weight``, ``drop_factor``, ``regimen`` repeated for several), so a
refusal names the parameter that was sent, and each route's query is one model whose fields are passed to
the API as they are. Every text is bounded in length, every list in size.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .. import api
from ..errors import DoseCalcError, quote
from ..results import Marks, Result
from ..teaching.keys import TeacherKey
from ..teaching.marking import UNREADABLE
from ..teaching.sheets import PROFILES
from .access import graded_here, sheet_named, teacher_request
from .context import folder, server_key
from .errors import RESPONSES
from .fields import MAX_STUDENTS, MAX_TEXT, MAX_VALUES, within_budget

Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
Ids = Annotated[list[Text] | None, Field(max_length=MAX_VALUES)]
Folder = Annotated[Path | None, Depends(folder)]
ServerKey = Annotated[TeacherKey | None, Depends(server_key)]


#: A query names each of its parameters once at most, and only parameters of its route (pydantic refuses the
#: others); a name repeated is refused by :func:`single_values` rather than one of its values taken.
_ONE_OF_EACH = ConfigDict(extra="forbid")
#: The parameters that are lists, given by repeating them (``regimen=a&regimen=b``).
REPEATABLE = frozenset({"regimen", "compare", "students"})


async def single_values(request: Request) -> None:
    """Refuses a query that gives a parameter more than once, unless it is a list: ``weight=70kg&weight=80kg``
    would otherwise be read as 80 kg, silently. A coroutine, though it awaits nothing: FastAPI runs a plain
    function dependency in its thread pool, a hand-off on every API request that costs more than this count."""
    counts = Counter(name for name, _ in request.query_params.multi_items())
    for name, count in counts.items():
        if count > 1 and name not in REPEATABLE:
            raise DoseCalcError(f"is given {count} times; give it once", field=name[:40])


def no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's members, refusing a key given twice (JSON parsers keep the last, silently)."""
    made: dict[str, Any] = {}
    for name, value in pairs:
        if name in made:
            raise DoseCalcError(f"{quote(name)} is given twice in one JSON object; give it once", field="body")
        made[name] = value
    return made


async def one_of_each_key(request: Request) -> None:
    """Refuses a JSON body whose object gives one key twice (``{"1": "a", "1": "b"}`` marked only "b")."""
    body = await request.body()  # bounded by the guard; read again by the route, from Starlette's cache
    try:
        json.loads(body, object_pairs_hook=no_repeated_keys)
    except (json.JSONDecodeError, UnicodeDecodeError):  # not JSON at all: the route's own validation says so
        return


router = APIRouter(prefix="/api", responses=RESPONSES)
#: What every route of the API depends on: a parameter given twice is refused. Named on each route rather than
#: on the router, so that /api/table, which checks its query itself (:func:`table`), does not pay for FastAPI's
#: solving of a dependency on every request.
CHECKED = [Depends(single_values)]


def _json(result: Result) -> Response:
    """The result's JSON, byte for byte what the command line prints with ``--format json``."""
    return Response(result.as_text("json"), media_type="application/json")


def _profile(conventions: str | None) -> str | None:
    """A built-in profile's name, checked: a school's profile file is a path, and no path comes from a
    request."""
    if conventions is not None and conventions not in PROFILES:
        known = ", ".join(PROFILES)
        raise DoseCalcError(f"{conventions!r:.40} is not one of the profiles {known}", field="conventions")
    return conventions


class TableQuery(BaseModel):
    model_config = _ONE_OF_EACH

    weight: Text | None = None
    regimen: Ids = None
    duration: Text | None = None
    concentration: Text | None = None
    drop_factor: Text | None = None
    sessions: int | None = None
    max_rate: Text | None = None
    no_cap: bool = False
    explain: bool = False
    notes: Text = "brief"


async def table_query(request: Request) -> TableQuery:
    """The table's query, read as FastAPI reads a query model (a list parameter's every value, another's last,
    unknown names kept for the model to refuse) and validated by the model, its errors placed in the query as
    FastAPI places them. FastAPI's own reading looks into each field's type on every request, which cost
    about as much as working out a table's figures."""
    values: dict[str, Any] = {}
    for name, value in request.query_params.multi_items():
        if name in REPEATABLE and name in TableQuery.model_fields:
            values.setdefault(name, []).append(value)
        elif name in TableQuery.model_fields:
            values[name] = value
        elif name in values:  # an unknown name given twice: a list, as FastAPI gives it to the model
            values[name] = [*(values[name] if isinstance(values[name], list) else [values[name]]), value]
        else:
            values[name] = value
    try:
        return TableQuery.model_validate(values)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("query", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The OpenAPI description of a query model's parameters, for a route that reads the model itself."""
    properties = model.model_json_schema()["properties"]
    return [{"name": name, "in": "query", "required": False, "schema": properties[name]} for name in model.model_fields]


@router.get(
    "/table",
    summary="Rate, dose and pump figures (dosecalc table)",
    openapi_extra={"parameters": _query_parameters(TableQuery)},
)
async def table(request: Request) -> Response:
    # A coroutine, run on the event loop rather than in FastAPI's thread pool: a table is one weight's figures for
    # the cards named (or every card), a fraction of a millisecond of arithmetic for the ten built-in cards, and
    # the hand-off to a thread and back cost more than that under load. The other routes, whose work grows with
    # what is asked (a schedule's rows, a sheet's problems), stay in the pool. (A comment, not a docstring: a
    # docstring would become the route's description in the OpenAPI schema.) It reads its query, and the server's
    # folder of cards, itself: FastAPI's solving of three dependencies was a sixth of the request under cProfile.
    await single_values(request)  # first, as the other routes' dependency runs first
    query = await table_query(request)
    return _json(api.table(**query.model_dump(), regimens_dir=await folder(request)))


class ScheduleQuery(BaseModel):
    model_config = _ONE_OF_EACH

    regimen: Text
    weight: Text | None = None
    step: Text | None = None  # from the infusion's length, as the command line chooses it
    duration: Text | None = None
    concentration: Text | None = None
    drop_factor: Text | None = None
    explain: bool = False
    notes: Text = "brief"


@router.get("/schedule", summary="One regimen's time schedule (dosecalc schedule)", dependencies=CHECKED)
def schedule(query: Annotated[ScheduleQuery, Query()], folder: Folder) -> Response:
    return _json(api.schedule(**query.model_dump(), regimens_dir=folder))


@router.get("/cards", summary="The regimen cards (dosecalc regimens)", dependencies=CHECKED)
def cards(folder: Folder) -> Response:
    return _json(api.cards(folder))


class SimulateQuery(BaseModel):
    model_config = _ONE_OF_EACH

    regimen: Text
    weight: Text | None = None
    model: Text = "domino"
    duration: Text | None = None
    sessions: int = 1
    interval: Text = "24 h"
    until: Text | None = None
    step: Text | None = None  # from the time simulated, as the command line chooses it
    compare: Ids = None


@router.get(
    "/simulate", summary="Predicted plasma concentration, a teaching estimate (dosecalc simulate)", dependencies=CHECKED
)
def simulate(query: Annotated[SimulateQuery, Query()], folder: Folder) -> Response:
    return _json(api.simulate(**query.model_dump(), regimens_dir=folder))


class ExercisesQuery(BaseModel):
    model_config = _ONE_OF_EACH

    count: int = 10
    seed: int = 1
    level: int | None = None
    conventions: Annotated[Text, Field(description="A built-in profile, by name")] = "standard"
    pound: Text | None = None
    pump_rounding: Text | None = None
    decimal: Annotated[Text | None, Field(description="point (0.37) or comma (0,37)")] = None
    key: bool = False
    students: Annotated[list[Text] | None, Field(max_length=MAX_STUDENTS, description="One sheet each")] = None


@router.get(
    "/exercises",
    summary="A reproducible practice sheet of problems, or its answer key (dosecalc exercises)",
    dependencies=CHECKED,
)
def exercises(query: Annotated[ExercisesQuery, Query()], folder: Folder) -> Response:
    """Always a practice sheet (its code gives its key): graded sheets are made on the teacher's page only.
    At most 3,000 problems in all (count x students: fields.MAX_WORK)."""
    _profile(query.conventions)
    within_budget(query.count, len(query.students or ()))
    return _json(api.exercises(**query.model_dump(), teacher_key=None, regimens_dir=folder))


class MarkRequest(BaseModel):
    """A student's answers to a sheet named by its code, or by the seed and options it was made with:
    problem number (as text, as JSON keys are) -> the answer typed."""

    model_config = ConfigDict(extra="forbid")

    answers: Annotated[dict[Annotated[str, StringConstraints(max_length=6)], Text], Field(max_length=500)]
    sheet: Text | None = None
    seed: int | None = None
    count: int | None = None
    level: int | None = None
    conventions: Text | None = None
    pound: Text | None = None
    pump_rounding: Text | None = None
    decimal: Text | None = None
    partial: bool = False


@router.post(
    "/mark",
    summary="Mark a student's answers against the key (dosecalc check)",
    dependencies=[*CHECKED, Depends(one_of_each_key)],
)
def mark(http: Request, request: MarkRequest, folder: Folder, key: ServerKey) -> Response:
    """A practice sheet's marks with its key and worked steps. A graded sheet's code is refused (422): the
    teacher marks it, so that no one finds its key by sending answers again. Only a request with the teacher's
    login cookie, on a server started with the teacher's key, has it marked, and then right, wrong or
    unreadable only (``answers_withheld``)."""
    _profile(request.conventions)
    if request.sheet is not None and not teacher_request(http):
        # a graded code is refused before any answer is looked at: marking takes longer for a wrong answer
        # than for a right one, so even the time of a refusal after marking could tell a student which were right
        try:
            named = sheet_named(request.sheet, folder, key)
        except DoseCalcError:  # refused again below, in the order the whole request is checked
            named = None
        if named is not None and named.graded:
            raise graded_here(request.sheet)
    # the answers' keys are problem numbers as text, read by the API as a file's would be
    marked = api.mark(
        **request.model_dump(), teacher_key=key if request.sheet is not None else None, regimens_dir=folder
    )
    if isinstance(marked, Marks) and marked.sheet.graded and not teacher_request(http):
        raise graded_here(request.sheet or "")  # nothing of the marks is answered
    if isinstance(marked, Marks) and marked.sheet.graded:
        return Response(json.dumps(withheld(marked), indent=2) + "\n", media_type="application/json")
    return _json(marked)


#: What a graded sheet's marks keep of each mark: nothing that gives or hints at the answer.
_KEPT = ("problem", "kind", "status", "given")


def withheld(marked: Marks) -> dict[str, Any]:
    """A graded sheet's marks as the teacher's login gets them from the API: the score and each answer's status
    (with the reason only for an unreadable answer, which speaks of the text typed), without the key, the error
    matched or the steps."""
    document = json.loads(marked.as_text("json"))
    document["graded"] = True
    document["answers_withheld"] = "answers and worked steps are withheld on a graded sheet"
    document["score"] = {name: document["score"][name] for name in ("right", "out_of")}
    document["marks"] = [
        {name: item[name] for name in _KEPT} | ({"feedback": item["feedback"]} if item["status"] == UNREADABLE else {})
        for item in document["marks"]
    ]
    return dict(document)
