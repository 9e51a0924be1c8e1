"""The fields of the web forms: their names (the :mod:`dosecalc.api` parameter each one feeds), labels, hints
and bounds, and the one reader that turns a submitted form into API arguments.

A field's name is the API parameter's name, so a :class:`dosecalc.DoseCalcError` about ``weight`` lands
beside the field named ``weight``. Every value is bounded in length before it reaches the API; a blank text
field is "not given", as an option left out on the command line. No value is converted here beyond text to
a whole number and a ticked box to True: quantities are read by the API.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import DoseCalcError

#: Longest text accepted in one field (a quantity, an id, an answer).
MAX_TEXT = 100
#: Most values of a repeated field (regimen ids).
MAX_VALUES = 20
#: Most lines of a ``lines`` field (students of a class on the teacher's page).
MAX_LINES = 60
#: Most students named in one request.
MAX_STUDENTS = 200
#: Most digits of a whole number.
MAX_DIGITS = 19
#: Most problems one request may make: problems x students (or x variants). A class of 30 students x 100
#: problems makes 3,000: the teacher's page draws them (words none) in about 0.7 s of CPU on a small machine
#: (2 cores), and a download of all of them takes about a second (``benchmarks/bench.py class``); more is
#: refused.
MAX_WORK = 3000


@dataclass(frozen=True)
class Field:
    """One form field. ``kind``: ``text``, ``whole`` (a whole number), ``check`` (a tick box), ``choice``
    (one of ``choices``), ``choices`` (any of ``choices``, a repeated parameter), ``lines`` (a list, one item
    a line, at most :data:`MAX_LINES`), ``secret`` (a password box, never filled in again)."""

    name: str
    label: str
    hint: str = ""
    kind: str = "text"
    choices: tuple[tuple[str, str], ...] = ()
    placeholder: str = ""

    @property
    def repeated(self) -> bool:
        return self.kind == "choices"


def regimen_choices(cards: Any) -> tuple[tuple[str, str], ...]:
    """(id, label) of every card, for a regimen field."""
    return tuple((card.id, f"{card.id}: {card.title}") for card in cards)


WEIGHT = Field(
    "weight", "Weight", "With its unit: 70 kg or 154 lb. Blank: the 70 kg reference adult.", placeholder="70 kg"
)
DURATION = Field("duration", "Duration (what-if)", "Such as 3 h or 90 min. Blank: the card's duration.")
CONCENTRATION = Field(
    "concentration", "Concentration", "Such as 2 mg/mL or 100 mg in 50 mL: adds the pump rate and volume."
)
DROP_FACTOR = Field("drop_factor", "Drop factor", "Such as 20 gtt/mL: adds the drip rate (needs a concentration).")
SESSIONS = Field("sessions", "Sessions in the course (what-if)", "A whole number from 1 to 365.", kind="whole")
MAX_RATE = Field("max_rate", "Rate cap (what-if)", "Such as 25 mg/h, in place of the card's cap.")
NO_CAP = Field("no_cap", "Ignore every rate cap", kind="check")
EXPLAIN = Field("explain", "Show the worked steps", kind="check")
NOTES = Field("notes", "Card notes", kind="choice", choices=(("brief", "One line each"), ("full", "The whole text")))
STEP = Field(
    "step", "Time between rows", "Such as 15 min or 1 h; blank: suited to the length (15 min up to 6 h).",
    placeholder="15 min",
)  # fmt: skip
LEVEL = Field(
    "level",
    "Level",
    kind="choice",
    choices=(("", "Levels in turn"), ("1", "1: one factor"), ("2", "2: two factors"), ("3", "3: three or more")),
)
CONVENTIONS = Field(
    "conventions",
    "Conventions",
    "How answers are asked for and rounded.",
    kind="choice",
    choices=(
        ("standard", "standard: exact pound, pump rates to 0.1 mL/h"),
        ("pound-2.2", "pound-2.2: 2.2 lb per kg"),
        ("whole-ml-h", "whole-ml-h: pump rates to whole mL/h"),
        ("pound-2.2-whole-ml-h", "pound-2.2-whole-ml-h: both"),
        ("units-converted", "units-converted: a right value in another unit of the kind scores"),
    ),
)
SHEET = Field("sheet", "Sheet code", "The code printed on a sheet from your teacher, such as 7KQ2-M9XA-4HPT-3WZB-1C.")
POUND = Field(
    "pound",
    "Pounds to kilograms",
    kind="choice",
    choices=(("exact", "exact: 1 lb = 0.45359237 kg"), ("2.2", "2.2 lb per kg")),
)
PUMP_ROUNDING = Field(
    "pump_rounding",
    "Pump rates rounded to",
    kind="choice",
    choices=(("0.1", "0.1 mL/h"), ("1", "whole mL/h")),
)
DECIMAL = Field(
    "decimal",
    "Decimal mark",
    "How answers write a decimal: under the comma, 0,37 is read and 1.234 refused as ambiguous.",
    kind="choice",
    choices=(("point", "point: 0.37"), ("comma", "comma: 0,37")),
)
COUNT = Field("count", "Number of problems", "A whole number from 1 to 500.", kind="whole")
SEED = Field(
    "seed", "Sheet number (seed)", "The same number gives the same sheets. Blank: a new random number, shown here.",
    kind="whole",
)  # fmt: skip
LOGIN_CODE = Field(
    "code", "Login code",
    "The code dosecalc serve printed on its terminal when it started, such as 7KQ2-M9XA-4HPT-3WZB.",
    kind="secret",
)  # fmt: skip


def read(form: Mapping[str, Any], fields: Sequence[Field], also: Iterable[str] = ()) -> dict[str, Any]:
    """The API arguments of a submitted form. ``form`` is a Starlette ``QueryParams`` or ``FormData``
    (``getlist`` for repeated fields). A value too long, too many values, text where a whole number is
    expected, a field the page does not have (other than those named in ``also``, which its route reads
    itself) or one that is not a list given twice raise :class:`DoseCalcError` naming the field: a shared
    link with ``weight=70kg&weight=80kg`` is refused rather than read as 80 kg. (The first refusal; a page
    that shows them all calls :func:`read_all`.)"""
    arguments, refused = read_all(form, fields, also)
    if refused:
        raise refused[0]
    return arguments


def read_all(
    form: Mapping[str, Any], fields: Sequence[Field], also: Iterable[str] = ()
) -> tuple[dict[str, Any], list[DoseCalcError]]:
    """As :func:`read`, every field read: the arguments of the fields that could be read, and a refusal for
    each one that could not (each naming its field, in the order of the form)."""
    arguments: dict[str, Any] = {}
    refused: list[DoseCalcError] = []
    known = {field.name for field in fields} | set(also)
    for name in form:
        if name not in known and all(str(name)[:40] != error.field for error in refused):
            refused.append(DoseCalcError("is not a field of this page", field=str(name)[:40]))
    for field in fields:
        try:
            value = _field(form, field)
        except DoseCalcError as error:
            refused.append(error)
            continue
        if value is not None:
            arguments[field.name] = value
    return arguments, refused


def _field(form: Mapping[str, Any], field: Field) -> Any:
    """One field's API argument (None: not given), or a refusal naming it."""
    getlist = getattr(form, "getlist", None)
    if getlist is not None and not field.repeated and len(getlist(field.name)) > 1:
        raise DoseCalcError(f"is given {len(getlist(field.name))} times; give it once", field=field.name)
    if field.repeated:
        values = list(getlist(field.name)) if getlist is not None else list(form.get(field.name) or [])
        most, what = MAX_VALUES, "may be chosen"
    elif field.kind == "lines":
        text = str(form.get(field.name) or "")
        if len(text) > MAX_LINES * (MAX_TEXT + 2):
            raise DoseCalcError(f"at most {MAX_LINES} lines of {MAX_TEXT} characters", field=field.name)
        values = [line.strip() for line in text.splitlines() if line.strip()]
        most, what = MAX_LINES, "lines"
    else:
        return _scalar(field, str(form.get(field.name) or ""))
    if len(values) > most:
        raise DoseCalcError(f"at most {most} {what}", field=field.name)
    for value in values:
        _bounded(value, field.name)
    return values or None


def _scalar(field: Field, text: str) -> Any:
    """One field's value: a tick box is True or False, a blank field not given (None), a whole number read."""
    _bounded(text, field.name)
    if field.kind == "check":
        return text in ("on", "true", "1")
    if text.strip() == "":
        return None
    if field.kind == "choice" and field.choices:
        allowed = [value for value, _ in field.choices if value]
        if text not in allowed:  # never passed on: a path or a name the page does not offer goes no further
            raise DoseCalcError(f"expected one of {', '.join(allowed)}, got {text!r:.40}", field=field.name)
        return int(text) if field.name == "level" else text
    return whole(text, field.name) if field.kind == "whole" else text


def within_budget(count: int, students: int = 0, variants: int = 0, *, field: str = "count") -> None:
    """Refuses (naming ``field``) a request that would make more than :data:`MAX_WORK` problems in all."""
    total = count * max(students, 1) * max(variants, 1)
    if total > MAX_WORK:
        made_of = f"{count:,} problems" + (f" x {students:,} students" if students else "")
        made_of += f" x {variants:,} variants" if variants else ""
        raise DoseCalcError(
            f"{made_of} is {total:,} problems; one request makes at most {MAX_WORK:,}: make fewer problems, or "
            "the class in smaller groups",
            field=field,
        )


def whole(text: str, field: str) -> int:
    """A whole number typed as digits, or a refusal naming ``field``."""
    digits = text.strip()
    if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_DIGITS:
        raise DoseCalcError(f"expected a whole number, got {text!r:.40}", field=field)
    return int(digits)


def _bounded(text: str, field: str) -> None:
    if len(text) > MAX_TEXT:
        raise DoseCalcError(f"is longer than {MAX_TEXT} characters", field=field)
