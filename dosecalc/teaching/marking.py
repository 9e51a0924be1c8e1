"""Marking: answers read as a teacher reads them, marked against a sheet's key, and the error diagnosed.

The rule, stated on every sheet in the words of :data:`RULE`: an answer is right when it equals the key, or
when, rounded half up to one place beyond the asked one, it equals the exact answer rounded there (or it is
the exact answer rounded half up to a finer place). As values: the key, the interval ``[E - step/20, E +
step/20)`` where ``E`` is the exact answer rounded half up to ``step/10``, and the few finer roundings of the
exact answer that rounding twice puts outside that interval (:func:`accepted`). So an answer given to the
asked place (or fewer places: 3 for 3.0 h) scores only as the key, and a more precise one only when it is right
one place further; a student who carries four or five significant figures is never marked at the fourth.

The answer is read by dosecalc's strict parser: any spelling of the asked unit is the asked unit (``mg/hr``,
``mg per hour``), a bare number is taken in the asked unit, a value in another unit of the same kind (``0.4
mg/min`` for mg/h) is marked by the sheet's convention (strict: wrong, with feedback saying why; converted: by
the same rule, in the asked unit). A blank is no answer; text that cannot be read is *unreadable*, with its
reason, and marking goes on.

A wrong answer is matched against the common errors: the problem's own (the cap ignored, pounds not
converted, another figure of the problem), a power of ten, minutes for hours, rounding to the wrong place,
cut off, or given more precisely than asked but off one place beyond it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import NamedTuple

from ..errors import DoseCalcError, quote
from ..units import AMBIGUOUS_COMMA, DECIMAL_COMMA, THOUSANDS_COMMA
from ..wording import MARKING_RULE
from .exercises import Problem, answer_text
from .sheets import Convention

#: The marking rule in words, as every sheet, ``check --help`` and the exports print it.
RULE = MARKING_RULE

RIGHT, WRONG, UNREADABLE, NO_ANSWER = "right", "wrong", "unreadable", "no answer"
STATUSES = (RIGHT, WRONG, UNREADABLE, NO_ANSWER)

#: Longest answer read; an answer is a number and a unit.
MAX_ANSWER_LENGTH = 64
#: Answers at or above this are read, and wrong: no dose calculation has such an answer.
_LARGEST = Decimal("1e12")
#: Answers further than this power of ten from 1 are not read as numbers at all: ``1e1000000`` would overflow.
_EXPONENT = 15

_NUMBER = re.compile(r"(?P<number>[0-9]*\.?[0-9]*(?:[eE][+-]?[0-9]+)?)\s*(?P<unit>.*)", re.ASCII | re.DOTALL)
#: An example answer when none is given: a number and a unit, as the feedback on an unreadable answer shows one.
EXAMPLE = "10.9 mL/h"
#: The number an unreadable answer's example shows, rounded to the asked place (:func:`example`).
EXAMPLE_NUMBER = Decimal("12.345")
#: The calculator's ambiguous comma (:data:`dosecalc.units.THOUSANDS_COMMA`) up to the end of the digits, so
#: that ``5,8345``, unambiguously a decimal comma, is told so.
_THOUSANDS = re.compile(THOUSANDS_COMMA.pattern + "(?![0-9])", re.ASCII)


class Reading(NamedTuple):
    """An answer as read: its value as written (a decimal, exact), and its unit when one was written."""

    value: Decimal
    unit: str | None  # the unit as dosecalc writes it ("mg/h" for "mg per hr"); None when none was written
    remark: str | None = None  # a word on the writing (no leading zero) that does not change the value


class Mark(NamedTuple):
    """One problem marked: the status, the answer as given and as read, the feedback and the credit."""

    problem: Problem
    given: str | None  # the text as the student wrote it (None: no answer)
    status: str  # one of STATUSES
    reading: Reading | None
    value: float | None  # the answer in the asked unit, when it could be read and converted
    reason: str  # feedback in words
    diagnosis: str | None  # the common error a wrong answer matches
    credit: float  # 1 for right, 0 for wrong, a part of 1 with partial credit

    @property
    def correct(self) -> bool:
        return self.status == RIGHT


class Unreadable(Exception):
    """An answer that cannot be read; its message says why."""


def read_answer(text: str, example: str = EXAMPLE, decimal: str = "point") -> Reading | None:
    """``text`` as a number and an optional unit, or ``None`` for a blank; :class:`Unreadable` says why not,
    with ``example`` (an answer in the asked unit) as what to write.

    Under the decimal point (``decimal="point"``, the default) a comma is never read, as the calculator reads
    none: ``7,16`` or ``1,5`` is a decimal comma, and ``2,000`` or ``5,834`` (a comma before three digits)
    could be a thousands separator or a decimal comma, so all are unreadable, with the calculator's own
    message. Under the decimal comma (a school's convention, ``decimal="comma"``) the comma is the decimal
    mark: ``0,37``, ``327,0 mg`` and ``1,234`` (1.234) are read; a point is read too, except before exactly
    three digits after a first digit other than 0 (``1.234``, ``12.500``: a thousands point?), and a number
    with both marks or two commas is refused. ``16.`` is 16; ``.5`` is 0.5, with a remark that it needs a
    leading zero.
    """
    from ..units import unit_text

    stripped = text.strip()
    if not stripped:
        return None
    if len(stripped) > MAX_ANSWER_LENGTH:
        raise Unreadable(f"is longer than {MAX_ANSWER_LENGTH} characters; an answer is a number and its unit")
    if not stripped.isascii() and not set(stripped) & set("µμ"):
        raise Unreadable("has characters other than plain digits, a decimal point and a unit")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in stripped):
        raise Unreadable("contains a control character")
    if stripped.startswith("-"):
        raise Unreadable(f"is negative; an answer is a number more than zero, such as {example}")
    if stripped.startswith("+"):
        raise Unreadable("has a '+' sign; write the number alone")
    mark = "."
    if decimal == "comma":
        example = example.replace(".", ",")
        stripped, mark = _from_comma(stripped, example)
    elif _THOUSANDS.match(stripped):
        raise Unreadable(f"{AMBIGUOUS_COMMA}, e.g. {example}")
    elif number := DECIMAL_COMMA.match(stripped):
        raise Unreadable(
            f"uses a decimal comma ({number[0]}); this sheet reads a decimal point: write {number[0].replace(',', '.')}"
        )
    match = _NUMBER.fullmatch(stripped)
    number_text = match["number"] if match else ""
    if not match or not re.search(r"[0-9]", number_text.split("e")[0].split("E")[0]):
        raise Unreadable(f"is not a number; write the number, then its unit if you like, e.g. {example}")
    if len(number_text) > 30:
        raise Unreadable("has more digits than any answer needs")
    try:
        value = Decimal(number_text)
    except InvalidOperation:
        raise Unreadable(f"is not a plain number such as {example}") from None
    if not value.is_finite():
        raise Unreadable("is not a finite number")
    if value and not -_EXPONENT <= value.adjusted() <= _EXPONENT:  # bounded before any arithmetic on it
        raise Unreadable(f"is {'larger' if value.adjusted() > 0 else 'smaller'} than any answer a sheet asks for")
    remark = f"write a leading zero: 0{number_text.replace('.', mark)}" if number_text.startswith(".") else None
    unit = match["unit"].strip()
    if not unit:
        return Reading(value, None, remark)
    try:
        return Reading(value, unit_text(unit), remark)
    except DoseCalcError as error:
        raise Unreadable(error.problem.removeprefix(f"'{unit}' ")) from None


#: A point that could be a thousands separator, under the decimal comma: exactly three digits after it (and after
#: each further point), after a first digit other than 0 (``0.375`` can only be a decimal point).
_THOUSANDS_POINT = re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?![0-9])", re.ASCII)
_MARKS = re.compile(r"[0-9.,]*", re.ASCII)


def _from_comma(text: str, example: str) -> tuple[str, str]:
    """An answer written under the decimal comma, with its number in the decimal point dosecalc reads, and the
    mark it was written with; :class:`Unreadable` for a number that mixes the marks or could be thousands."""
    head = _MARKS.match(text)
    digits = head[0] if head else ""
    if "," in digits and "." in digits:
        raise Unreadable(
            f"has both a point and a comma ({digits}); write the decimal comma alone, with no thousands "
            f"separator, e.g. {example}"
        )
    if digits.count(",") > 1:
        raise Unreadable(f"has more than one comma ({digits}); write one decimal comma, e.g. {example}")
    if _THOUSANDS_POINT.match(digits):
        whole = digits.replace(".", "")
        meant = f"{digits.replace('.', ',')} for the decimal, {whole}" if digits.count(".") == 1 else whole
        raise Unreadable(
            f"has a point before three digits ({digits}), which could be a thousands point or a decimal point; "
            f"write {meant} for the whole number"
        )
    if "," not in digits:
        return text, "."
    return digits.replace(",", ".") + text[len(digits) :], ","


def example(problem: Problem) -> str:
    """An answer to show as what to write, in the asked unit and to the asked place: ``12.3 h`` where 0.1 h is
    asked. The same for every problem with that unit and place, whatever its key: an example chosen to avoid
    the key would tell a student with a graded sheet the key whenever it is the other one."""
    return f"{format(_round(EXAMPLE_NUMBER, problem.step), 'f')} {problem.unit}"


def key_value(problem: Problem) -> Decimal:
    """The key's answer as a decimal at the sheet's step (``10.9``)."""
    return _round(Decimal(f"{problem.exact:.12g}"), problem.step)


def _round(value: Decimal, step: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    with localcontext() as context:
        context.prec = 60
        return value.quantize(step, rounding=rounding)


class Accepted(NamedTuple):
    """Answers the rule accepts, in the asked unit: the one value ``low`` when ``high`` equals it, else the
    half-open interval ``[low, high)``."""

    low: Decimal
    high: Decimal

    @property
    def point(self) -> bool:
        return self.low == self.high

    def holds(self, value: Decimal) -> bool:
        return value == self.low if self.point else self.low <= value < self.high


def exact_value(problem: Problem) -> Decimal:
    """The problem's exact answer as a decimal, to 12 significant figures (``10.8625``)."""
    return Decimal(f"{problem.exact:.12g}")


def beyond(problem: Problem) -> Decimal:
    """The exact answer rounded half up to one place beyond the asked one (``E``: 2.75 for 2.747 at 0.1)."""
    return _round(exact_value(problem), problem.step / 10)


def accepted(problem: Problem) -> tuple[Accepted, ...]:
    """What the rule accepts, in the asked unit: the key, then ``[E - step/20, E + step/20)`` (every value
    that rounds half up to ``E`` at one place beyond the asked one), then each rounding of the exact answer
    to a finer place that lies outside that interval (rounding twice can cross its edge: 2.7449 is 2.745 at
    0.001 but 2.74 at 0.01)."""
    exact, fine = exact_value(problem), problem.step / 10
    centre, half = _round(exact, fine), fine / 2
    found = [Accepted(key_value(problem), key_value(problem)), Accepted(centre - half, centre + half)]
    finest = Decimal(1).scaleb(exact.as_tuple().exponent)  # type: ignore[arg-type]
    place = fine / 10
    while place >= finest:
        value = _round(exact, place)
        if not any(a.holds(value) for a in found):
            found.append(Accepted(value, value))
        place /= 10
    return tuple(found)


def is_right(value: Decimal, problem: Problem) -> bool:
    """The sheet's rule (:data:`RULE`): ``value`` is the key, or rounds half up at one place beyond the asked
    one to the exact answer rounded there, or is a finer rounding of the exact answer."""
    return abs(value) < _LARGEST and any(a.holds(value) for a in accepted(problem))


def _in_asked_unit(reading: Reading, problem: Problem) -> tuple[Decimal | None, str | None]:
    """The answer in the asked unit and, when it was written in another unit, what that unit is."""
    from ..units import convert_text, convertible

    if reading.unit is None or reading.unit == problem.unit:
        return reading.value, None
    if not convertible(reading.unit, problem.unit):
        return None, reading.unit
    if abs(reading.value) >= _LARGEST:
        return reading.value, reading.unit
    converted = convert_text(float(reading.value), reading.unit, problem.unit)
    # to 12 figures, as the exports write values: an answer typed to 12 figures (0.406583333333 mg/min for an
    # exact 24.395 mg/h) is otherwise carried past the rule's exact lower edge by the conversion's float noise
    return Decimal(f"{converted:.12g}"), reading.unit


def error_tolerance(wrong: Decimal, step: Decimal) -> Decimal:
    """How far an answer may be from the value an error gives and still be that error: the sheet's step, or
    0.5 % of the value when that is more (both ends included)."""
    return max(step, abs(wrong) * Decimal("0.005"))


def _matches(value: Decimal, wrong: float, step: Decimal) -> bool:
    """``value`` is what the error giving ``wrong`` gives, as written to the sheet's place or more precisely."""
    if wrong <= 0 or abs(value) >= _LARGEST:
        return False
    exact = Decimal(f"{wrong:.12g}")
    return abs(value - exact) <= error_tolerance(exact, step)


_FACTORS = (
    (Decimal(1000), "off by a factor of 1,000: mg and mcg (or g and mg) mixed up?"),
    (Decimal(100), "off by a factor of 100: the decimal point two places out?"),
    (Decimal(10), "off by a factor of 10: the decimal point one place out?"),
    (Decimal(60), "off by a factor of 60: minutes and hours mixed up?"),
)


_POUNDS = "off by a factor of about 2.2: the weight in pounds not converted to kilograms (or converted twice)?"


#: The places an answer may be rounded to by mistake, in the order :func:`diagnose` tries them.
PLACES = (Decimal("1e-3"), Decimal("0.01"), Decimal("0.1"), Decimal(1), Decimal("1E+1"))


def factor_errors(problem: Problem) -> list[tuple[Decimal, str]]:
    """The factors a common slip multiplies or divides ``problem``'s answer by, with the error in words, in the
    order :func:`diagnose` tries them (the pound's only where the problem gives a weight in pounds)."""
    factors = list(_FACTORS)
    if str(problem.inputs.get("weight") or "").endswith(" lb"):
        factors += [(Decimal("2.20462262"), _POUNDS), (Decimal("2.2"), _POUNDS)]
    return factors


def _problem_error(value: Decimal, problem: Problem) -> str | None:
    """The problem's own common error (the cap ignored, pounds as kilograms...) that ``value`` matches. An error
    whose value lies within its own tolerance of the exact answer (the other pound rule: 0.2 % apart) matches
    only an answer nearer to it than to the exact answer, so a slip on the other side is not named by it."""
    exact = Decimal(f"{problem.exact:.12g}")
    for words, wrong in problem.errors:
        if not _matches(value, wrong, problem.step):
            continue
        error = Decimal(f"{wrong:.12g}")
        if abs(error - exact) > error_tolerance(error, problem.step) or abs(value - error) < abs(value - exact):
            return words
    return None


def diagnose(value: Decimal, problem: Problem) -> tuple[str | None, bool]:
    """The common error a wrong ``value`` (in the asked unit) matches, and whether it is a rounding error."""
    step = problem.step
    own = _problem_error(value, problem)
    if own is not None:
        return own, False
    exact = Decimal(f"{problem.exact:.12g}")
    key = key_value(problem)
    if abs(value) < _LARGEST:
        for place in PLACES:
            if place != step and value == _round(exact, place) and _round(value, step) != key:
                return (
                    f"rounded to {format(place.normalize(), 'f')} {problem.unit}, not {format(step.normalize(), 'f')}",
                    True,
                )
        if value == _round(exact, step, ROUND_DOWN):
            return "cut off (truncated) rather than rounded half up", True
        if _round(value, step) == key:
            return _off_beyond(value, problem)
    # A slip made before rounding scales the exact value; one made after (the key's 13 mL/h written as 130)
    # scales the rounded answer, which at a coarse step lies outside the tolerance around the scaled exact one.
    for factor, words in factor_errors(problem):
        for scaled in (exact * factor, exact / factor, key * factor, key / factor):
            if _matches(value, float(scaled), step):
                return words, False
    if exact and abs(value - exact) / exact < Decimal("0.02"):
        # a hint, not a rounding error proven: no partial credit rides on it
        return "close to the exact value but not within the rule: a figure rounded too early, or a slip?", False
    return None, False


def _off_beyond(value: Decimal, problem: Problem) -> tuple[str, bool]:
    """A wrong ``value`` that rounds to the key at the asked place: given more precisely than asked, and off
    one place beyond it (2.74 or 2.76 h for an exact 2.747 h and a key of 2.7 h). Cut off at its own place
    (2.74), it is a rounding error; otherwise the figure there is wrong."""
    unit, fine = problem.unit, problem.step / 10
    exact = exact_value(problem)
    own = Decimal(1).scaleb(value.as_tuple().exponent)  # type: ignore[arg-type]
    there = f"the exact answer, {_near(exact, problem)} {unit}, is {_plain(beyond(problem))} {unit}"
    there += f" to {_plain(fine)} {unit}"
    if own <= fine and value == _round(exact, own, ROUND_DOWN):
        return f"cut off (truncated) at {_plain(own)} {unit} rather than rounded half up: {there}", True
    return (
        f"given more precisely than asked, but off at {_plain(fine)} {unit}: {there}; write "
        f"{answer_text(problem)}, or a value right to {_plain(fine)} {unit}",
        False,
    )


def _near(value: Decimal, problem: Problem) -> str:
    """``value`` to two places beyond the asked one, as the worked steps show a figure they carry."""
    return _plain(_round(value, problem.step / 100))


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def mark_one(problem: Problem, text: str | None, convention: Convention, partial: bool) -> Mark:
    """One answer marked by the sheet's rule and conventions."""
    if text is None or not text.strip():
        return Mark(problem, text, NO_ANSWER, None, None, "no answer", None, 0.0)
    try:
        reading = read_answer(text, example(problem), convention.decimal)
    except Unreadable as error:
        return Mark(problem, text, UNREADABLE, None, None, f"unreadable: {error}", None, 0.0)
    assert reading is not None
    from ..units import kind_words

    value, other_unit = _in_asked_unit(reading, problem)
    remark = f" ({reading.remark})" if reading.remark else ""
    if value is None:
        reason = (
            f"the question asks for {problem.unit} ({kind_words(problem.unit)}); "
            f"{other_unit} is {kind_words(other_unit or '')}"
        )
        return Mark(problem, text, WRONG, reading, None, reason + remark, _problem_error(reading.value, problem), 0.0)
    shown = float(value)
    right = is_right(value, problem)
    # in another unit, the key converted after rounding (0.2217 mg/min for 13.3 mg/h) is the right value in
    # that unit for a strict sheet; a converting sheet marks it by the rule, as it marks the asked unit
    keyed = other_unit is not None and abs(value) < _LARGEST and _round(value, problem.step) == key_value(problem)
    if right and (other_unit is None or convention.units == "convert"):
        note = f"right; {text.strip()} is {answer_text(problem)}" if other_unit else "right"
        return Mark(problem, text, RIGHT, reading, shown, note + remark, None, 1.0)
    if (right or keyed) and convention.units != "convert":
        reason = (
            f"the right value, but in {other_unit}: the question asks for {problem.unit} "
            f"({answer_text(problem)}), and this sheet marks answers in the unit asked"
        )
        credit = convention.partial_unit / 100 if partial else 0.0
        return Mark(problem, text, WRONG, reading, shown, reason + remark, "answered in another unit", credit)
    diagnosis: str | None
    if keyed:
        diagnosis, rounding = (
            f"the key converted to {other_unit} after rounding? Convert the exact answer "
            f"({_near(exact_value(problem), problem)} {problem.unit}), then round only the final answer",
            True,
        )
    else:
        diagnosis, rounding = diagnose(value, problem)
    reason = f"expected {answer_text(problem)}"
    if other_unit is not None and text is not None:
        reason += f" ({text.strip()} is {_near(value, problem)} {problem.unit})"
    if diagnosis:
        reason += f"; {diagnosis}"
    credit = convention.partial_rounding / 100 if partial and rounding else 0.0
    return Mark(problem, text, WRONG, reading, shown, reason + remark, diagnosis, credit)


def mark(
    problems: Sequence[Problem],
    answers: Mapping[int, str | None],
    convention: Convention,
    partial: bool = False,
    unreadable: Mapping[int, str] | None = None,
) -> list[Mark]:
    """Every problem of the sheet marked: problem number -> answer text (absent or blank: no answer);
    ``unreadable`` names answers the rows themselves made unreadable, with the reason."""
    forced = unreadable or {}
    marks = [
        Mark(p, answers.get(p.number), UNREADABLE, None, None, f"unreadable: {forced[p.number]}", None, 0.0)
        if p.number in forced
        else mark_one(p, answers.get(p.number), convention, partial)
        for p in problems
    ]
    if not any(m.status == WRONG and m.reading is not None for m in marks):
        return marks
    ranges = {p.number: accepted(p) for p in problems}  # once per problem, not once per pair (500 x 500)
    return [_in_another_box(m, problems, ranges) for m in marks]


def _in_another_box(mark: Mark, problems: Sequence[Problem], ranges: Mapping[int, Sequence[Accepted]]) -> Mark:
    """A wrong answer that is right, by the sheet's rule, for another problem of the sheet (problems 3 and 4
    swapped): said first, before any error it also matches (``this is problem 4's answer: in the wrong box?``)."""
    if mark.status != WRONG or mark.reading is None:
        return mark
    in_unit: dict[str, Decimal | None] = {}  # the answer in each unit asked on the sheet, converted once
    for other in problems:
        if other.number == mark.problem.number:
            continue
        if other.unit not in in_unit:
            in_unit[other.unit] = _in_asked_unit(mark.reading, other)[0]
        value = in_unit[other.unit]
        if value is not None and abs(value) < _LARGEST and any(a.holds(value) for a in ranges[other.number]):
            words = f"this is problem {other.number}'s answer ({answer_text(other)}): in the wrong box?"
            if mark.diagnosis is not None and f"; {mark.diagnosis}" in mark.reason:
                diagnosis = f"{words} Or: {mark.diagnosis}"
                reason = mark.reason.replace(f"; {mark.diagnosis}", f"; {diagnosis}", 1)
            else:
                diagnosis = words if mark.diagnosis is None else f"{words} Or: {mark.diagnosis}"
                reason = f"{mark.reason}; {words}"
            return mark._replace(reason=reason, diagnosis=diagnosis)
    return mark


# ---- reading answer files ----------------------------------------------------------------------------------


class Answers(NamedTuple):
    """One student's answers as read from a file: problem number -> text, and the sheet code if given."""

    student: str | None
    sheet: str | None
    answers: dict[int, str | None]
    problems: tuple[str, ...]  # what in the rows could not be attributed to a problem (a bad problem number)
    unreadable: Mapping[int, str]  # problem -> why its answer cannot be read from the rows (cells astray)


#: Other headings a spreadsheet export may give the student and sheet columns.
_STUDENT_ALIASES = {
    "name": "student",
    "student id": "student",
    "student_id": "student",
    "id": "student",
    "sheet code": "sheet",
    "sheet_code": "sheet",
    "code": "sheet",
}
_PROBLEM_COLUMN = re.compile(r"(?:q|p|problem|question|#)?\s*([0-9]{1,3})", re.IGNORECASE | re.ASCII)


def read_answer_rows(rows: Sequence[Sequence[str]], source: str) -> tuple[list[Answers], list[str]]:
    """Answers from CSV rows (the header first), in any of three layouts, and the columns that were ignored:

    * ``problem,answer`` (one student; a ``sheet`` column may give the code);
    * long: ``student,problem,answer`` (and ``sheet``), a row per answer;
    * wide: ``student`` (and ``sheet``) then one column per problem (``1``, ``Q1``, ``Problem 1``...).

    A row that cannot be attributed to a problem is kept as a problem of its student, with its row number;
    a problem answered twice by one student is reported, whatever the order of the rows.
    """
    if not rows:
        raise DoseCalcError(f"{source} is empty; expected a header row such as problem,answer", field="answers")
    header = [_STUDENT_ALIASES.get(cell.strip().lower(), cell.strip().lower()) for cell in rows[0]]
    named: dict[str, int] = {
        name: header.index(name) for name in ("student", "problem", "answer", "sheet") if name in header
    }
    if "problem" in named and "answer" in named:
        ignored = [rows[0][i] for i, name in enumerate(header) if name not in named]
        return _long(rows, named, source), ignored
    problem_columns = {}
    for index, name in enumerate(header):
        found = _PROBLEM_COLUMN.fullmatch(name)
        if found and index not in named.values():
            problem_columns[index] = int(found[1])
    if "student" in named and problem_columns:
        ignored = [rows[0][i] for i, name in enumerate(header) if i not in problem_columns and name not in named]
        return _wide(rows, named, problem_columns, source), ignored
    if any(";" in cell for cell in rows[0]):
        raise DoseCalcError(
            f"{source} is separated by semicolons (;), as a spreadsheet saves CSV where the decimal mark is a "
            "comma; save it again as comma-separated (CSV with ',' between cells, e.g. with the field delimiter "
            "set to ',' in the save dialog), answers written with a decimal point",
            field="answers",
        )
    raise DoseCalcError(
        f"{source} has no header this reads: expected problem,answer (one student), student,problem,answer "
        "(a class, a row per answer) or student,1,2,3... (a class, a column per problem)",
        field="answers",
    )


def _cell(row: Sequence[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 and int(text) >= 1 else None


class _Student:
    """What the rows say of one student, gathered before any is marked, so that row order cannot matter."""

    def __init__(self) -> None:
        self.sheets: set[str] = set()
        self.answers: dict[int, list[tuple[int, str]]] = {}  # problem -> (row, answer) for each row
        self.problems: list[str] = []
        self.astray: dict[int, str] = {}  # problem -> why the row's cells cannot be trusted

    def finish(self, student: str | None) -> Answers:
        answers: dict[int, str | None] = {}
        unreadable = dict(self.astray)
        problems = list(self.problems)
        for number, given in sorted(self.answers.items()):
            texts = {text for _, text in given if text}
            if len(texts) > 1:
                rows = ", ".join(str(line) for line, _ in given)
                unreadable[number] = f"given different answers (rows {rows}); neither is marked"
            answers[number] = min(texts) if texts else ""
        sheets = sorted(self.sheets)
        if len(sheets) > 1:
            problems.append(f"the rows give more than one sheet code ({', '.join(sheets)})")
        return Answers(student, sheets[0] if len(sheets) == 1 else None, answers, tuple(problems), unreadable)


def _astray(row: Sequence[str], width: int, line: int) -> str | None:
    """Why a row with more cells than the header cannot be read as it stands (``1,10,5``: a comma inside an
    answer splits it), or ``None`` for a row that fits."""
    if len(row) > width and any(cell.strip() for cell in row[width:]):
        return (
            f"row {line} has more cells than the header: a comma inside an answer? "
            "write a decimal point (10.5), or put the answer in quotes"
        )
    return None


def _long(rows: Sequence[Sequence[str]], named: Mapping[str, int], source: str) -> list[Answers]:
    students: dict[str | None, _Student] = {}
    width = len(rows[0])
    for line, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        student = _cell(row, named.get("student")) if "student" in named else None
        if student == "":  # never merged with other unnamed rows: each is a student of its own, so said
            student = f"(row {line}, no name)"
        entry = students.setdefault(student, _Student())
        if _cell(row, named.get("sheet")):
            entry.sheets.add(_cell(row, named.get("sheet")))
        number_text = _cell(row, named["problem"])
        number = _number(number_text)
        if number is None:
            entry.problems.append(f"row {line}: {quote(number_text)} is not a problem number")
            continue
        entry.answers.setdefault(number, []).append((line, _cell(row, named["answer"])))
        astray = _astray(row, width, line)
        if astray:
            entry.astray[number] = astray
    return [entry.finish(student) for student, entry in students.items()]


def _wide(
    rows: Sequence[Sequence[str]], named: Mapping[str, int], columns: Mapping[int, int], source: str
) -> list[Answers]:
    duplicated = [number for number, count in Counter(columns.values()).items() if count > 1]
    if duplicated:
        raise DoseCalcError(f"{source} has two columns for problem {duplicated[0]}", field="answers")
    students: dict[str, _Student] = {}
    for line, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        student = _cell(row, named["student"]) or f"(row {line}, no name)"
        entry = students.setdefault(student, _Student())
        if _cell(row, named.get("sheet")):
            entry.sheets.add(_cell(row, named.get("sheet")))
        astray = _astray(row, len(rows[0]), line)
        for index, number in columns.items():
            entry.answers.setdefault(number, []).append((line, _cell(row, index)))
            if astray:
                entry.astray[number] = astray
    return [entry.finish(student) for student, entry in students.items()]


# ---- a class -----------------------------------------------------------------------------------------------


class NotMarked(NamedTuple):
    """A student of a class whose answers could not be marked: no sheet, or a code that is not one."""

    student: str
    sheet: str | None  # the code as given, if any
    reason: str

    def __str__(self) -> str:
        return f"{self.student}: not marked: {self.reason}"


class Item(NamedTuple):
    """How a class did on one kind of problem at one position: counts by status, and the commonest wrong
    answers. Sheets of a set have one kind at each position; sheets made apart may have several there."""

    number: int
    kind: str  # the kind of problem, e.g. "pump-rate"
    students: int
    counts: dict[str, int]  # status -> how many
    wrong_answers: tuple[tuple[str, int, str | None], ...]  # (answer as read, how many, the error it matches)
    errors: tuple[tuple[str, int], ...]  # (the error, how many wrong answers match it)

    @property
    def share_right(self) -> float:
        return self.counts.get(RIGHT, 0) / self.students if self.students else 0.0

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kind, as the one-element tuple earlier analyses gave for a position."""
        return (self.kind,)


def _as_read(mark: Mark) -> str:
    reading = mark.reading
    if reading is None:
        return (mark.given or "").strip()
    value = format(reading.value.normalize(), ",f") if abs(reading.value) < _LARGEST else str(reading.value)
    return f"{value} {reading.unit or mark.problem.unit}"


def items(marked: Sequence[Sequence[Mark]], most: int = 3) -> list[Item]:
    """Item analysis of a class: one :class:`Item` per problem position and kind (in the order of the
    positions, then of the kinds), the ``most`` commonest wrong answers (ties in the order of the answer text,
    so the analysis does not depend on the order of the students)."""
    groups = sorted({(mark.problem.number, mark.problem.kind) for marks in marked for mark in marks})
    result = []
    for number, kind in groups:
        at = [mark for marks in marked for mark in marks if (mark.problem.number, mark.problem.kind) == (number, kind)]
        counts = Counter(mark.status for mark in at)
        wrong = [mark for mark in at if mark.status == WRONG]
        answers = Counter((_as_read(mark), mark.diagnosis) for mark in wrong)
        common = sorted(answers.items(), key=lambda item: (-item[1], item[0][0], item[0][1] or ""))[:most]
        errors = Counter(mark.diagnosis for mark in wrong if mark.diagnosis)
        result.append(
            Item(
                number,
                kind,
                len(at),
                {status: counts.get(status, 0) for status in STATUSES},
                tuple((text, count, diagnosis) for (text, diagnosis), count in common),
                tuple(sorted(errors.items(), key=lambda item: (-item[1], item[0]))),
            )
        )
    return result
