"""The JSON API: ``/api/table``, ``/api/schedule``, ``/api/cards``, ``/api/simulate``, ``/api/exercises`` and
``POST /api/mark``. Each route is one call of :mod:`dosecalc.api` and answers with the result's JSON, the very
text ``dosecalc ... --format json`` prints for the same request.

Parameters carry the API's names (``weight``, ``drop_factor``, ``regimen`` repeated for several), so a
refusal names the parameter that was sent. Every text is bounded in length, every list in size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from .. import api
from ..errors import DoseCalcError
from ..results import Result
from ..teaching.sheets import PROFILES
from .context import folder
from .errors import RESPONSES
from .fields import MAX_STUDENTS, MAX_TEXT, MAX_VALUES

router = APIRouter(prefix="/api", responses=RESPONSES)

Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
Optional = Annotated[Text | None, Query(max_length=MAX_TEXT)]
Ids = Annotated[list[Text] | None, Query(max_length=MAX_VALUES)]
Folder = Annotated[Path | None, Depends(folder)]


def _json(result: Result) -> Response:
    """The result's JSON, byte for byte what the command line prints with ``--format json``."""
    return Response(result.as_text("json"), media_type="application/json")


@router.get("/table", summary="Rate, dose and pump figures (dosecalc table)")
def table(
    folder: Folder,
    weight: Optional = None,
    regimen: Ids = None,
    duration: Optional = None,
    concentration: Optional = None,
    drop_factor: Optional = None,
    sessions: int | None = None,
    max_rate: Optional = None,
    no_cap: bool = False,
    explain: bool = False,
    notes: Annotated[Text, Query(max_length=MAX_TEXT)] = "brief",
) -> Response:
    return _json(
        api.table(
            weight,
            regimen,
            duration=duration,
            concentration=concentration,
            drop_factor=drop_factor,
            sessions=sessions,
            max_rate=max_rate,
            no_cap=no_cap,
            explain=explain,
            notes=notes,
            regimens_dir=folder,
        )
    )


@router.get("/schedule", summary="One regimen's time schedule (dosecalc schedule)")
def schedule(
    folder: Folder,
    regimen: Annotated[Text, Query(max_length=MAX_TEXT)],
    weight: Optional = None,
    step: Annotated[Text, Query(max_length=MAX_TEXT)] = "15 min",
    duration: Optional = None,
    concentration: Optional = None,
    drop_factor: Optional = None,
    explain: bool = False,
    notes: Annotated[Text, Query(max_length=MAX_TEXT)] = "brief",
) -> Response:
    return _json(
        api.schedule(
            regimen,
            weight,
            step=step,
            duration=duration,
            concentration=concentration,
            drop_factor=drop_factor,
            explain=explain,
            notes=notes,
            regimens_dir=folder,
        )
    )


@router.get("/cards", summary="The regimen cards (dosecalc regimens)")
def cards(folder: Folder) -> Response:
    return _json(api.cards(folder))


@router.get("/simulate", summary="Predicted plasma concentration, a teaching estimate (dosecalc simulate)")
def simulate(
    folder: Folder,
    regimen: Annotated[Text, Query(max_length=MAX_TEXT)],
    weight: Optional = None,
    model: Annotated[Text, Query(max_length=MAX_TEXT)] = "domino",
    duration: Optional = None,
    sessions: int = 1,
    interval: Annotated[Text, Query(max_length=MAX_TEXT)] = "24 h",
    until: Optional = None,
    step: Annotated[Text, Query(max_length=MAX_TEXT)] = "5 min",
    compare: Ids = None,
) -> Response:
    return _json(
        api.simulate(
            regimen,
            weight,
            model=model,
            duration=duration,
            sessions=sessions,
            interval=interval,
            until=until,
            step=step,
            compare=compare,
            regimens_dir=folder,
        )
    )


def _profile(conventions: str | None) -> str | None:
    """A built-in profile's name, checked: a school's profile file is a path, and no path comes from a
    request."""
    if conventions is not None and conventions not in PROFILES:
        known = ", ".join(PROFILES)
        raise DoseCalcError(f"{conventions!r:.40} is not one of the profiles {known}", field="conventions")
    return conventions


@router.get("/exercises", summary="A reproducible sheet of problems, or its answer key (dosecalc exercises)")
def exercises(
    folder: Folder,
    count: int = 10,
    seed: int = 1,
    level: int | None = None,
    conventions: Annotated[Text, Query(max_length=MAX_TEXT, description="A built-in profile, by name")] = "standard",
    pound: Optional = None,
    pump_rounding: Optional = None,
    key: bool = False,
    students: Annotated[list[Text] | None, Query(max_length=MAX_STUDENTS, description="One sheet each")] = None,
) -> Response:
    return _json(
        api.exercises(
            count,
            seed,
            level=level,
            conventions=_profile(conventions) or "standard",
            pound=pound,
            pump_rounding=pump_rounding,
            key=key,
            students=students,
            regimens_dir=folder,
        )
    )


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
    partial: bool = False


@router.post("/mark", summary="Mark a student's answers against the key (dosecalc check)")
def mark(request: MarkRequest, folder: Folder) -> Response:
    return _json(
        api.mark(
            dict(request.answers),  # type: ignore[arg-type]  # keys are problem numbers as text, read by the API
            request.seed,
            sheet=request.sheet,
            count=request.count,
            level=request.level,
            conventions=_profile(request.conventions),
            pound=request.pound,
            pump_rounding=request.pump_rounding,
            partial=request.partial,
            regimens_dir=folder,
        )
    )
