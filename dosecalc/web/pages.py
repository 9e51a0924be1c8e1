"""The pages: server-rendered HTML forms over :mod:`dosecalc.api`, working without JavaScript.

Calculations are GET forms, so a result is a link that can be shared or projected; a mistake comes back
with status 422, the form as it was typed, and the message beside its field (and in a summary at the top
that links to it). Marking a practice sheet is a POST of the answers; the sheet itself (seed, level,
conventions) travels in the form, so the server keeps nothing between requests.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import ImmutableMultiDict

from .. import api, formats
from ..errors import DoseCalcError, DoseCalcErrors
from ..results import Marks, Sheet, Variants
from ..teaching.keys import TeacherKey
from ..wording import DISCLAIMER
from . import fields as f
from . import views
from .access import (
    COOKIE,
    COOKIE_PATH,
    SESSION_SECONDS,
    TeacherOnly,
    code_matches,
    graded_here,
    new_session,
    sheet_named,
    teacher_only,
    teacher_request,
)
from .context import folder, server_key
from .templates import render

router = APIRouter(include_in_schema=False)
Folder = Annotated[Path | None, Depends(folder)]
#: The server's teacher key (None without one).
ServerKey = Annotated[TeacherKey | None, Depends(server_key)]
#: The teacher's pages: the server's key once the teacher is logged in (see :mod:`.access`).
Teacher = Annotated[TeacherKey | None, Depends(teacher_only)]

#: Most answer fields read from one practice form.
MAX_ANSWERS = 500


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(render(template, path=request.url.path, disclaimer=DISCLAIMER, **context), status_code=status)


def _regimens(regimens_dir: Path | None, *, many: bool, name: str = "regimen", label: str = "Regimens") -> f.Field:
    choices = f.regimen_choices(api.cards(regimens_dir))
    if many:
        return f.Field(name, label, "None ticked: every card.", kind="choices", choices=choices)
    return f.Field(name, label, kind="choice", choices=choices)


def _typed(form: Mapping[str, Any], fields: Sequence[f.Field]) -> dict[str, Any]:
    """What was typed in each field, to show it again (repeated fields as lists)."""
    getlist = getattr(form, "getlist", None)
    return {
        field.name: list(getlist(field.name)) if field.repeated and getlist else str(form.get(field.name) or "")
        for field in fields
    }


def _errors(refused: DoseCalcError | Sequence[DoseCalcError], fields: Sequence[f.Field]) -> dict[str, str]:
    """Each message keyed by the field it belongs to; one about a name the form does not have keyed by that
    name, with the name in its text (the summary shows it unlinked). The first message of a field is kept."""
    names = {field.name for field in fields}
    errors: dict[str, str] = {}
    for error in [refused] if isinstance(refused, DoseCalcError) else refused:
        known = error.field in names
        errors.setdefault(str(error.field or ""), error.problem if known else str(error))
    return errors


def _every_refusal(
    arguments: Mapping[str, Any],
    refused: Sequence[DoseCalcError],
    fields: Sequence[f.Field],
    compute: Callable[[dict[str, Any]], Any],
) -> tuple[Any, dict[str, str]]:
    """``compute``'s result, or every field's refusal at once: those of the fields the form could not read
    (left out, as if blank) and all those of the one call ``compute`` makes (the library checks every argument
    before it computes, and refuses them together), each message beside its own field, in the form's order.
    The result is None whenever anything was refused."""
    errors = _errors(refused, fields)
    result = None
    try:
        result = compute({name: value for name, value in arguments.items() if name not in errors})
    except DoseCalcError as error:
        for name, message in _errors(error.errors, fields).items():
            errors.setdefault(name, message)
    place = {field.name: number for number, field in enumerate(fields, start=1)}  # the form's order
    ordered = dict(sorted(errors.items(), key=lambda item: place.get(item[0], 0)))
    return (None if errors else result), ordered


_T = TypeVar("_T")


def _with_page_refusals(refused: Sequence[DoseCalcError], call: Callable[[], _T]) -> _T:
    """``call()``'s result (one call of the library) when the page refused nothing of its own; otherwise the
    page's refusals and the library's raised together, so that the form shows them all at once."""
    try:
        made = call()
    except DoseCalcError as error:
        raise DoseCalcErrors([*refused, error]) from None
    if refused:
        raise DoseCalcErrors(refused)
    return made


def _calculation(
    request: Request,
    template: str,
    fields: Sequence[f.Field],
    defaults: Mapping[str, str],
    compute: Callable[[dict[str, Any]], dict[str, Any]],
    **context: Any,
) -> HTMLResponse:
    """A GET form and, once submitted, its result or every field's message beside its field."""
    query = request.query_params
    submitted = any(field.name in query for field in fields)
    typed = _typed(query, fields) if submitted else {**{field.name: "" for field in fields}, **defaults}
    result: dict[str, Any] | None = None
    errors: dict[str, str] = {}
    if submitted:
        arguments, refused = f.read_all(query, fields)
        result, errors = _every_refusal(arguments, refused, fields, compute)
    return page(
        request,
        template,
        422 if errors else 200,
        fields=fields,
        typed=typed,
        errors=errors,
        result=result,
        **context,
    )


CALCULATOR_FIELDS = (f.WEIGHT, f.DURATION, f.CONCENTRATION, f.DROP_FACTOR, f.SESSIONS, f.MAX_RATE, f.NO_CAP)


@router.get("/", response_class=HTMLResponse)
def calculator(request: Request, folder: Folder) -> HTMLResponse:
    fields = (f.WEIGHT, _regimens(folder, many=True), *CALCULATOR_FIELDS[1:], f.EXPLAIN, f.NOTES)
    return _calculation(
        request, "calculator.html", fields, {"notes": "brief"}, lambda arguments: _dose_table(arguments, folder),
        title="Dose calculator",
    )  # fmt: skip


def _dose_table(arguments: dict[str, Any], folder: Path | None) -> dict[str, Any]:
    """The dose table. With no card ticked (every card), a value some cards cannot take (a 90 min duration
    under a card's 2 h minimum) refuses those rows only, each saying why; the others are calculated. A value
    no card can take is the field's refusal, as with cards ticked."""
    try:
        return views.dose_table(api.table(**arguments, regimens_dir=folder))
    except DoseCalcError as error:
        if "regimen" in arguments:
            raise
        every = api.cards(folder).ids
        refused: dict[str, DoseCalcError] = {}
        for card in every:
            try:
                api.table(**arguments, regimen=card, regimens_dir=folder)
            except DoseCalcError as one:
                refused[card] = one
        # a field every card refuses (an unreadable weight) is the field's refusal; one that some cards take
        # (a duration under one card's minimum) is the other cards' rows' own, shown once the table can be
        if len(refused) == len(every):
            fields_of = [{one.field for one in why.errors} for why in refused.values()]
            common = [one for one in error.errors if all(one.field in fields for fields in fields_of)]
            raise DoseCalcErrors(common or [error]) from None
        if not refused:
            raise error from None
        kept = [card for card in every if card not in refused]
        reasons = {card: str(why) for card, why in refused.items()}
        return views.dose_table(api.table(**arguments, regimen=kept, regimens_dir=folder), reasons, every)


@router.get("/schedule", response_class=HTMLResponse)
def schedule(request: Request, folder: Folder) -> HTMLResponse:
    fields = (
        _regimens(folder, many=False, label="Regimen"),
        f.WEIGHT,
        f.STEP,
        f.DURATION,
        f.CONCENTRATION,
        f.DROP_FACTOR,
        f.EXPLAIN,
        f.NOTES,
    )

    def compute(arguments: dict[str, Any]) -> dict[str, Any]:
        if "regimen" not in arguments:
            raise DoseCalcError("choose a regimen", field="regimen")
        return views.schedule(api.schedule(**arguments, regimens_dir=folder))

    return _calculation(request, "schedule.html", fields, {"notes": "brief"}, compute, title="Schedule")


SIMULATION_FIELDS = (
    f.WEIGHT,
    f.Field("model", "Model", kind="choice", choices=(("domino", "domino: Domino et al. 1982, racemic ketamine"),)),
    f.DURATION,
    f.Field("sessions", "Sessions", "A whole number from 1 to 60.", kind="whole"),
    f.Field("interval", "Interval", "From the start of one session to the next, such as 24 h."),
    f.Field("until", "Simulate until", "Time from the start. Blank: 12 h after the last session ends."),
    f.Field("step", "Time between rows", "Such as 5 min; blank: suited to the time simulated."),
)


@router.get("/simulate", response_class=HTMLResponse)
def simulate(request: Request, folder: Folder) -> HTMLResponse:
    regimen = _regimens(folder, many=False, label="Regimen")
    compare = _regimens(folder, many=True, name="compare", label="Compare with")
    compare = f.Field(compare.name, compare.label, "Other regimens drawn the same way.", "choices", compare.choices)
    fields = (regimen, *SIMULATION_FIELDS, compare)

    def compute(arguments: dict[str, Any]) -> dict[str, Any]:
        if "regimen" not in arguments:
            raise DoseCalcError("choose a regimen", field="regimen")
        return views.simulation(api.simulate(**arguments, regimens_dir=folder))

    defaults = {"model": "domino", "sessions": "1", "interval": "24 h"}
    return _calculation(request, "simulate.html", fields, defaults, compute, title="Simulation")


@router.get("/cards", response_class=HTMLResponse)
def cards(request: Request, folder: Folder) -> HTMLResponse:
    return page(request, "cards.html", title="Regimen cards", **views.cards(api.cards(folder)))


@router.get("/cards/{regimen}", response_class=HTMLResponse)
def card(request: Request, regimen: str, folder: Folder) -> HTMLResponse:
    known = api.cards(folder)
    if regimen not in known.ids:
        return page(request, "error.html", 404, title="No such card", message=f"There is no card {regimen[:40]!r}.")
    return page(request, "card.html", title=known[regimen].title, **views.card(api.card(regimen, folder)))


# --------------------------------------------------------------------------------------- practice

NEW_SHEET_FIELDS = (
    f.Field("count", "Number of problems", f"From 1 to {20}.", kind="whole"),
    f.LEVEL,
    f.CONVENTIONS,
    f.DECIMAL,
)
NEW_SHEET_DEFAULTS = {"count": "5", "level": "", "conventions": "standard", "decimal": "point"}
#: Most problems on a new practice sheet (a teacher's sheet code may name more).
MAX_PRACTICE = 20


def _practice_start(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    values = {"new": NEW_SHEET_DEFAULTS, "code": {"sheet": ""}, "errors": {}}
    return page(
        request,
        "practice.html",
        status,
        title="Practice",
        new_fields=NEW_SHEET_FIELDS,
        code_fields=(f.SHEET,),
        **(values | context),
    )


@router.get("/practice", response_class=HTMLResponse)
def practice(request: Request, folder: Folder, key: ServerKey) -> Response:
    query = request.query_params
    if "sheet" in query:  # a sheet by its code: the teacher's, or a new one after the redirect below
        typed = _typed(query, (f.SHEET,))
        try:
            arguments = f.read(query, (f.SHEET,))
            if "sheet" not in arguments:
                raise DoseCalcError("type the code printed on the sheet", field="sheet")
            sheet = sheet_named(arguments["sheet"], folder, key)
        except DoseCalcError as error:
            return _practice_start(request, 422, code=typed, errors=_errors(error, (f.SHEET,)))
        return page(
            request,
            "practice_sheet.html",
            title=f"{'Graded' if sheet.graded else 'Practice'} sheet {sheet.code}",
            sheet=views.sheet(sheet),
            given={},
            errors={},
            marks=None,
            markable=not sheet.graded or teacher_request(request),
        )
    if any(field.name in query for field in NEW_SHEET_FIELDS):  # a new sheet: make it, then link to its code
        typed = _typed(query, NEW_SHEET_FIELDS)

        def new_sheet(arguments: dict[str, Any]) -> Sheet:
            count = arguments.pop("count", 5)
            refused = []
            if not 1 <= count <= MAX_PRACTICE:  # refused here; the library checks the rest, with the default
                refused.append(DoseCalcError(f"a practice sheet has 1 to {MAX_PRACTICE} problems", field="count"))
                count = 5
            made = _with_page_refusals(
                refused, lambda: api.exercises(count, secrets.randbelow(10**9), regimens_dir=folder, **arguments)
            )
            assert isinstance(made, Sheet)  # no students named: one sheet
            return made

        made, errors = _every_refusal(*f.read_all(query, NEW_SHEET_FIELDS), NEW_SHEET_FIELDS, new_sheet)
        if errors:
            return _practice_start(request, 422, new=typed, errors=errors)
        return RedirectResponse(f"/practice?{urlencode({'sheet': made.code})}", status_code=303)
    return _practice_start(request)


async def _form(request: Request) -> ImmutableMultiDict[str, str]:
    """The submitted form (application/x-www-form-urlencoded; the body is already bounded by the guard)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    try:
        return ImmutableMultiDict(parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_ANSWERS + 20))
    except ValueError:
        raise DoseCalcError(f"has more than {MAX_ANSWERS} fields", field="answers") from None


@router.post("/practice", response_class=HTMLResponse)
async def practice_marks(request: Request, folder: Folder, key: ServerKey) -> HTMLResponse:
    """The answers to a sheet marked as ``dosecalc check`` marks them: right, wrong (with the common error it
    matches and the worked steps), unreadable (with why), or no answer. A graded sheet (marked with the
    server's teacher key) is not marked here but by the teacher (:func:`graded_here`), unless the request
    comes with the teacher's login, and then says right, wrong or unreadable only: its answers and steps are
    withheld."""
    from starlette.concurrency import run_in_threadpool

    form = await _form(request)
    code = str(form.get("sheet", ""))[: f.MAX_TEXT]
    given: dict[int, str] = {}
    repeated: list[int] = []
    for field, value in form.multi_items():
        digits = field.removeprefix("answer-")
        if field.startswith("answer-") and digits.isascii() and digits.isdigit() and len(digits) <= 3:
            if int(digits) in given:  # one answer a problem: a second is refused, never chosen between
                repeated.append(int(digits))
            given[int(digits)] = value
    try:
        if repeated:
            raise DoseCalcError(f"problem {repeated[0]} is answered more than once", field="answers")
        if len(code) == 0:
            raise DoseCalcError("type the code printed on the sheet", field="sheet")
        for number, value in given.items():
            if len(value) > f.MAX_TEXT:
                raise DoseCalcError(f"problem {number}: is longer than {f.MAX_TEXT} characters", field="answers")
        sheet = await run_in_threadpool(lambda: sheet_named(code, folder, key))
        if sheet.graded and not teacher_request(request):  # before any answer is read: nothing said of the key
            return page(
                request, "practice_sheet.html", 422, title=f"Graded sheet {sheet.code}", sheet=views.sheet(sheet),
                given={}, errors={"": graded_here(code).problem}, marks=None, markable=False,
            )  # fmt: skip
        marks = await run_in_threadpool(lambda: api.mark(given, sheet=code, regimens_dir=folder, teacher_key=key))
    except DoseCalcError as error:
        try:
            shown: dict[str, Any] | None = views.sheet(await run_in_threadpool(lambda: sheet_named(code, folder, key)))
        except DoseCalcError:
            shown = None
        markable = shown is None or not shown["graded"] or teacher_request(request)
        return page(
            request, "practice_sheet.html", 422, title="Practice sheet", sheet=shown, given=given if markable else {},
            errors={"": str(error)}, marks=None, markable=markable,
        )  # fmt: skip
    assert isinstance(marks, Marks)  # answers given as a mapping are one student's
    sheet_view = views.sheet(marks.sheet)
    counted = views.answered(marks.sheet, given)
    unreadable = views.unreadable(marks)
    if unreadable:  # refused before marking: the answers stay in their fields, each message beside its field
        return page(
            request, "practice_sheet.html", 422, title="Practice sheet: an answer cannot be read", sheet=sheet_view,
            given=given, errors=unreadable, marks=None, answered=counted,
        )  # fmt: skip
    return page(
        request,
        "practice_sheet.html",
        title="Practice sheet, marked",
        sheet=sheet_view,
        given=given,
        errors={},
        marks=views.marks(marks, withheld=marks.sheet.graded),
        answered=counted,
    )


# --------------------------------------------------------------------------------------- teacher

STUDENTS = f.Field(
    "students", "Students", f"One name or id a line (at most {f.MAX_LINES}): each gets a sheet of their own.",
    kind="lines",
)  # fmt: skip
VARIANTS = f.Field(
    "variants", "Variants for a learning platform",
    "Blank for one version; 1 to 100 versions of each problem, so that a quiz's random question from each "
    "category gives every student their own numbers (not with students).",
    kind="whole",
)  # fmt: skip
TEACHER_FIELDS = (f.COUNT, f.LEVEL, f.CONVENTIONS, f.DECIMAL, f.SEED, STUDENTS, VARIANTS)
TEACHER_DEFAULTS = {"count": "10", "conventions": "standard", "decimal": "point"}
#: (format, label, answer key) of each download.
DOWNLOADS = (
    ("html", "worksheet (HTML)", False),
    ("html", "answer key (HTML)", True),
    ("markdown", "worksheet (Markdown)", False),
    ("json", "answer key (JSON)", True),
)
#: (format, label, answer key) of each export for a learning platform (an export holds the key).
PLATFORMS = (
    ("moodle", "Moodle XML", True),
    ("gift", "GIFT", True),
    ("canvas", "Canvas (QTI 1.2 zip)", True),
    ("qti21", "QTI 2.1 package (zip)", True),
)
#: The formats for a learning platform (each download's file name says which).
PLATFORM_FORMATS = tuple(fmt for fmt, _, _ in PLATFORMS)
#: What the teacher's page offers to download (each format's suffix and media type: dosecalc.formats).
DOWNLOAD_FORMATS = ("html", "markdown", "json", "csv", "moodle", "gift", "canvas", "qti21")


def _downloads(
    options: Mapping[str, Any], downloads: Sequence[tuple[str, str, bool]] = DOWNLOADS
) -> list[tuple[str, list[tuple[str, str]]]]:
    """(label, hidden fields) of each download of the sheet(s) ``options`` make: a small POST form each, so
    that no student's name is ever in an address."""
    made = []
    for fmt, label, key in downloads:
        hidden: list[tuple[str, str]] = []
        for name, value in {**options, "format": fmt, "key": "1" if key else ""}.items():
            values = value if isinstance(value, list) else [value]
            hidden += [(name, str(one)) for one in values if one is not None and one != ""]
        made.append((label, hidden))
    return made


def _name_part(student: str | None) -> str:
    """A student's name for a file name: letters and digits of ASCII (accents dropped: Zoë -> Zoe), each run
    of anything else one hyphen, at most 40 characters; "" for no name or nothing left of it."""
    from ..files import ascii_slug

    safe = ascii_slug(student, 40)
    return f"-{safe}" if safe else ""


def _work(arguments: Mapping[str, Any], variants: int | None = None) -> None:
    """Refuses a request over the budget of problems (:data:`fields.MAX_WORK`)."""
    f.within_budget(arguments.get("count", 10), len(arguments.get("students") or ()), variants or 0)


def _handout_fields(folder: Path | None) -> tuple[f.Field, ...]:
    return (f.WEIGHT, _regimens(folder, many=True), f.CONCENTRATION, f.DROP_FACTOR, f.EXPLAIN)


def _teacher_page(
    request: Request,
    folder: Path | None,
    key: TeacherKey | None,
    form: Mapping[str, Any] | None,
    handout: tuple[Mapping[str, Any], Mapping[str, str]] | None = None,
) -> HTMLResponse:
    """The teacher's form, empty (``form`` None) or with the sheets it made: a new random seed when none was
    typed, graded sheets when the server has a teacher's key. ``handout``: what was typed in the handout's
    form and why it was refused, shown again in that form (status 422)."""
    handout_fields = _handout_fields(folder)
    handout_typed, handout_errors = handout or ({field.name: "" for field in handout_fields}, {})
    context: dict[str, Any] = {
        "title": "For teachers",
        "handout_fields": handout_fields,
        "handout_typed": handout_typed,
        "handout_errors": handout_errors,
        "graded": key is not None,
        "login": key is not None,
    }
    if form is None:
        typed = {field.name: "" for field in TEACHER_FIELDS} | TEACHER_DEFAULTS
        status = 422 if handout_errors else 200
        return page(
            request, "teacher.html", status, fields=TEACHER_FIELDS, typed=typed, errors={}, result=None, **context
        )
    if not str(form.get("seed") or "").strip():  # a new sheet number, shown in the form so it can be noted
        form = {**_typed(form, TEACHER_FIELDS), "seed": str(secrets.randbelow(10**9))}
    typed = _typed(form, TEACHER_FIELDS)

    def sheets(arguments: dict[str, Any]) -> dict[str, Any]:
        variants = arguments.pop("variants", None)
        refused: list[DoseCalcError] = []  # the page's own, each field left out and the rest asked of the library
        try:
            _work(arguments, variants)
        except DoseCalcError as error:
            refused.append(error)
            arguments.pop("count", None)
        if variants is not None and "students" in arguments:
            refused.append(DoseCalcError("is for a sheet of the class, not one sheet per student", field="variants"))
            variants = None
        if variants is not None:
            # drawn first (all the options checked, and what cannot be made refused: too few different questions
            # for so many variants); its problems are never worded here, and the export words them when it is
            # downloaded. Taken, the class's sheet is made from the same options.
            _with_page_refusals(
                refused, lambda: api.exercises(regimens_dir=folder, variants=variants, teacher_key=key, **arguments)
            )
        made = _with_page_refusals(refused, lambda: api.exercises(regimens_dir=folder, teacher_key=key, **arguments))
        options = {name: value for name, value in arguments.items() if name != "students"}
        if isinstance(made, Sheet):
            platform = dict(options)
            if variants is not None:
                platform["variants"] = variants
            row = {"student": "The class", "code": made.code, "downloads": _downloads(options)}
            result: dict[str, Any] = {"rows": [row], "all": [], "platforms": _downloads(platform, PLATFORMS)}
        else:
            rows = [
                {
                    "student": sheet.student,
                    "code": sheet.code,
                    "downloads": _downloads({**options, "students": [sheet.student]}),
                }
                for sheet in made
            ]
            everyone = {**options, "students": list(arguments["students"])}
            every = _downloads(everyone, (*DOWNLOADS, ("csv", "roster of codes (CSV)", False)))
            result = {"rows": rows, "all": every, "platforms": []}
        result["seed"] = arguments.get("seed")  # blank only when refused, and then nothing is shown
        result["label"] = "graded" if key is not None else "practice: the key can be shown"
        return result

    result, errors = _every_refusal(*f.read_all(form, TEACHER_FIELDS), TEACHER_FIELDS, sheets)
    return page(
        request,
        "teacher.html",
        422 if errors else 200,
        fields=TEACHER_FIELDS,
        typed=typed,
        errors=errors,
        result=result,
        **context,
    )


@router.get("/teacher", response_class=HTMLResponse)
def teacher(request: Request, folder: Folder, key: Teacher) -> HTMLResponse:
    """The empty form: the sheets are made by a POST, so that students' names are never in an address."""
    return _teacher_page(request, folder, key, None)


@router.post("/teacher", response_class=HTMLResponse)
async def teacher_sheets(request: Request, folder: Folder, key: Teacher) -> HTMLResponse:
    from starlette.concurrency import run_in_threadpool

    form = await _form(request)
    return await run_in_threadpool(_teacher_page, request, folder, key, form)


def login_page(request: Request, status: int = 200, error: str = "") -> HTMLResponse:
    """The teacher's login form (also the answer to a teacher's page asked for without logging in)."""
    return page(
        request,
        "login.html",
        status,
        title="Teacher's login",
        fields=(f.LOGIN_CODE,),
        typed={},
        errors={"code": error} if error else {},
    )


@router.get("/teacher/login", response_class=HTMLResponse)
def login(request: Request) -> Response:
    if request.app.state.teacher_key is None:  # nothing to log in to: the pages are open, or closed to all
        if not request.app.state.loopback:
            raise TeacherOnly(403)
        return RedirectResponse("/teacher", status_code=303)
    return login_page(request)


@router.post("/teacher/login", response_class=HTMLResponse)
async def login_check(request: Request) -> Response:
    """The login code checked: right, a session cookie for the teacher's pages and on to them; wrong, the form
    again with 401."""
    key: TeacherKey | None = request.app.state.teacher_key
    if key is None:
        if not request.app.state.loopback:
            raise TeacherOnly(403)
        return RedirectResponse("/teacher", status_code=303)
    form = await _form(request)
    if not code_matches(key, str(form.get("code", ""))[: f.MAX_TEXT]):
        return login_page(request, 401, "that is not the login code; type the code dosecalc serve printed")
    response = RedirectResponse("/teacher", status_code=303)
    token = new_session(key, request.app.state.start)
    response.set_cookie(
        COOKIE, token, max_age=SESSION_SECONDS, path=COOKIE_PATH, httponly=True, samesite="strict"
    )  # the browser forgets it when the session ends; the server refuses it then either way
    return response


@router.post("/teacher/logout")
def logout() -> Response:
    response = RedirectResponse("/teacher/login", status_code=303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response


@router.post("/teacher/sheet")
async def teacher_sheet(request: Request, folder: Folder, key: Teacher) -> Response:
    """A worksheet or answer key (one student's, or the class's) to download: HTML, Markdown, JSON, CSV or a
    learning platform's export. Graded when the server has a teacher's key."""
    from starlette.concurrency import run_in_threadpool

    form = await _form(request)
    fmt_field = f.Field("format", "Format", kind="choice")
    key_field = f.Field("key", "Answer key", kind="check")
    fields = (f.COUNT, f.LEVEL, f.CONVENTIONS, f.DECIMAL, f.SEED, VARIANTS, fmt_field, key_field)
    arguments = f.read(form, fields, also=("students",))
    names = [str(name) for name in form.getlist("students")]
    if len(names) > f.MAX_LINES or any(len(name) > f.MAX_TEXT for name in names):
        raise DoseCalcError(f"at most {f.MAX_LINES} names of {f.MAX_TEXT} characters", field="students")
    if names:
        arguments["students"] = names
    fmt = arguments.pop("format", "html")
    if fmt not in DOWNLOAD_FORMATS:
        raise DoseCalcError(f"{fmt!r:.40} is not one of {', '.join(DOWNLOAD_FORMATS)}", field="format")
    _work(arguments, arguments.get("variants"))
    made = await run_in_threadpool(lambda: api.exercises(regimens_dir=folder, teacher_key=key, **arguments))
    if not isinstance(made, (Sheet, Variants)) and len(made) == 1:
        made = made[0]  # one student's sheet, as the class's sheet is written
    if isinstance(made, Variants):
        name = f"dosecalc-{made[0].code}-{len(made)}-variants"
    elif isinstance(made, Sheet):
        name = f"dosecalc-{'key' if made.is_key else 'sheet'}-{made.code}" + _name_part(made.student)
    else:
        name = f"dosecalc-{'key' if arguments.get('key') else 'sheet'}-{made.name}"
    if fmt in PLATFORM_FORMATS:  # Canvas's and QTI 2.1's are both zips: the platform's name tells them apart
        name += f"-{fmt}"
    row = formats.find(made.subject, fmt)
    return Response(
        await run_in_threadpool(made.to_bytes, fmt),
        media_type=row.media_type + ("" if row.binary else "; charset=utf-8"),
        headers={"content-disposition": f'attachment; filename="{name}.{row.suffix}"'},
    )


#: Most students one upload of answers marks on the teacher's page (as many as its form makes sheets for).
MAX_MARKED = f.MAX_LINES


async def _upload(request: Request) -> dict[str, bytes]:
    """The fields of a file-upload form (multipart/form-data), read with the standard library's MIME parser:
    name -> bytes. The body is already bounded by the guard (64 KB)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    kind = request.headers.get("content-type", "")
    if not kind.lower().startswith("multipart/form-data") or "boundary=" not in kind:
        raise DoseCalcError("send the answers file from the form (a file upload)", field="answers")
    body = await request.body()
    head = f"Content-Type: {kind}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise DoseCalcError("is not a file upload this page reads", field="answers")
    fields: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str) and name not in fields:
            payload = part.get_payload(decode=True)
            fields[name] = payload if isinstance(payload, bytes) else b""
    return fields


def _class_marks(folder: Path | None, key: TeacherKey | None, fields: Mapping[str, bytes]) -> dict[str, Any]:
    """The uploaded answers marked: the gradebook, the item analysis and each student's feedback."""
    import tempfile

    from ..files import read_csv_rows
    from ..results import ClassMarks
    from ..teaching.marking import read_answer_rows

    data = fields.get("answers", b"")
    if not data.strip():
        raise DoseCalcError("choose the answers file (CSV) to mark", field="answers")
    code = fields.get("sheet", b"").decode("utf-8", "replace").strip()[: f.MAX_TEXT] or None
    partial = fields.get("partial", b"") in (b"on", b"true", b"1")
    with tempfile.TemporaryDirectory(prefix="dosecalc-") as place:
        path = Path(place) / "answers.csv"
        path.write_bytes(data)
        try:
            readings, _ = read_answer_rows(read_csv_rows(path, "answers"), "the answers file")
            if len(readings) > MAX_MARKED:
                raise DoseCalcError(
                    f"names {len(readings)} students; this page marks at most {MAX_MARKED} at once (the command "
                    "line's check marks any number)",
                    field="answers",
                )
            marked = api.mark(path, sheet=code, partial=partial, teacher_key=key, regimens_dir=folder)
        except DoseCalcError as error:
            raise DoseCalcError(error.problem.replace(str(path), "the answers file"), field=error.field) from None
    whole = marked if isinstance(marked, ClassMarks) else ClassMarks((marked,))
    return views.class_marks(whole)


@router.post("/teacher/marks", response_class=HTMLResponse)
async def teacher_marks(request: Request, folder: Folder, key: Teacher) -> HTMLResponse:
    """A class's answers file, uploaded, marked as ``dosecalc check`` marks it (graded sheets with the server's
    key, their answers and steps shown: this is the teacher's page): the gradebook, the item analysis and each
    student's feedback page, to print and hand back."""
    from starlette.concurrency import run_in_threadpool

    fields: dict[str, bytes] = {}
    try:
        fields = await _upload(request)
        result = await run_in_threadpool(_class_marks, folder, key, fields)
    except DoseCalcError as error:
        form = {"sheet": fields.get("sheet", b"").decode("utf-8", "replace")[: f.MAX_TEXT] if fields else ""}
        return page(
            request, "teacher_marks.html", 422, title="Mark a class", errors={error.field or "": error.problem},
            result=None, typed=form,
        )  # fmt: skip
    return page(request, "teacher_marks.html", title="Marks and feedback", errors={}, result=result, typed={})


@router.get("/teacher/handout")
def teacher_handout(request: Request, folder: Folder, key: Teacher) -> Response:
    """The printable handout (the report extra's page, its charts drawn as SVG) to download; refused, the teacher's
    page with what was typed in the handout's form and each message beside its field."""
    fields = _handout_fields(folder)
    query = request.query_params

    def checked(given: dict[str, Any]) -> dict[str, Any]:
        api.table(**given, regimens_dir=folder)  # the dose table the handout opens with: quick to refuse
        return given

    arguments, errors = _every_refusal(*f.read_all(query, fields), fields, checked)  # then the handout, once
    try:
        handout = None if errors else api.report(regimens_dir=folder, **arguments)
    except DoseCalcError as error:
        errors = _errors(error, fields)
    if handout is None or errors:
        return _teacher_page(request, folder, key, None, (_typed(query, fields), errors))
    return Response(
        handout.html,
        media_type="text/html; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="dosecalc-handout.html"'},
    )
