"""Exercises as a learning platform grades them: for each problem, the key and the interval the sheet's rule
accepts, the wrong answers the common errors give (each with the error in words), and the units the answer
may be written in, all from the sheet's conventions. Format-neutral: :mod:`dosecalc.render.lms` writes these
questions as Moodle XML, GIFT, a Canvas (QTI 1.2) package or a QTI 2.1 package.

**What is right.** The sheet's rule (:data:`.marking.RULE`) as values in the asked unit
(:func:`.marking.accepted`): the key itself, the half-open interval ``[E - step/20, E + step/20)`` where ``E``
is the exact answer rounded half up to one place beyond the asked one, and any rounding of the exact answer to
a finer place that rounding twice leaves outside that interval. For 2.7 h asked at 0.1 h (exact 2.747 h):
2.7 exactly, and 2.745 up to, but not including, 2.755. Every format writes each of them as a right answer of
its own. QTI 2.1 writes them as literal bounds (``gte`` and ``lt``, the key by ``equal`` in exact mode), so a
processor compares the response with numbers written in the file and does no arithmetic; Moodle's and
Canvas's answers are a value with a symmetric tolerance that includes both ends, so there the interval is
``E +- step/20`` and its upper edge (2.755) is also accepted; every question says so.

**Distractors.** A wrong answer is matched as ``dosecalc check`` matches it: the value an error gives, to the
sheet's step or more precisely (``|answer - value| <= max(step, 0.5 % of the value)``), which is a symmetric,
inclusive tolerance as the platforms have. The problem's own errors come first, then the answer rounded to
another place or cut off (that value exactly), then the powers of ten, 60 and the pound, in the order
``check`` tries them; one whose interval meets the right answer's or an earlier error's (written
or left out) is left out, so that a right answer is never graded as an error, and any answer inside a written
distractor is the one ``check`` names by that distractor's error.

**Units.** The asked unit has multiplier 1, and so do its other spellings (``mL/hr``, ``mL per h``). A value in
another unit of the same kind (0.4 mg/min for 24 mg/h) scores only when the profile converts units (``units =
"convert"``): those units are listed with Moodle's multiplier (a value in that unit divided by it is the value in
the asked unit: mg/min for mg/h is 1/60). Under ``units = "strict"`` the right value in such a unit is wrong,
said to be in another unit (:attr:`Question.others`): Moodle, which reads the unit, is given those units with
the multiplier negated and a 0 % answer at minus the key (:mod:`dosecalc.render.lms.moodle`); the formats that
read a number only get it as a distractor (the value in that unit), when no error before it is near.

**Spellings.** Moodle takes the text after the number, with every space removed, as the unit, and matches it
exactly against the names listed (``qtype_numerical_answer_processor::apply_units``): ``mg per h`` is the
name ``mgperh``, and ``MG/H`` matches nothing. So each question lists what :func:`spellings` gives (each part's
symbol and short forms, ``/`` or ``per`` between parts, a unit of one part by its words too: ``milligrams``)
and says that no other spelling is read there; ``check`` reads more (any letter case, words in any unit).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, NamedTuple

from .marking import PLACES, RULE, Accepted, _round, accepted, diagnose, error_tolerance, factor_errors, key_value

if TYPE_CHECKING:
    from .exercises import Problem
    from .sheets import Convention

#: Top category of every exported question, under the course's question bank.
TOP = "dosecalc"

#: Other units of the same kind an answer may be given in, for each unit asked (only under units = "convert").
SAME_KIND: dict[str, tuple[str, ...]] = {
    "mg": ("mcg", "g"),
    "mg/h": ("mg/min", "mcg/min"),
    "mg/min": ("mg/h", "mcg/min"),
    "mL/h": ("mL/min",),
    "mL": ("L",),
    "gtt/min": ("gtt/h",),
    "mcg/kg/min": ("mcg/kg/h", "mg/kg/h"),
    "mg/mL": ("mcg/mL",),
    "h": ("min",),
    "kg": ("g",),
}
#: Other spellings of each part of a unit that dosecalc's parser reads as that part, written in a unit of parts.
_SPELLINGS: dict[str, tuple[str, ...]] = {"h": ("h", "hr"), "mL": ("mL", "ml"), "gtt": ("gtt", "drops")}
#: A unit of one part may be written in words too, as dosecalc's parser reads them (``milligrams``).
_WORDS: dict[str, tuple[str, ...]] = {
    "mg": ("mg", "milligram", "milligrams"),
    "mcg": ("mcg", "microgram", "micrograms"),
    "g": ("g", "gram", "grams"),
    "kg": ("kg", "kilogram", "kilograms"),
    "mL": ("mL", "ml", "milliliter", "milliliters", "millilitre", "millilitres"),
    "L": ("L", "liter", "liters", "litre", "litres"),
    "h": ("h", "hr", "hrs", "hour", "hours"),
    "min": ("min", "mins", "minute", "minutes"),
}


class Unit(NamedTuple):
    """A unit the answer may be written in, with Moodle's multiplier: a value in this unit divided by the
    multiplier is the value in the asked unit (mg/min for mg/h: 1/60). ``name`` is the unit as Moodle matches
    it, with no spaces (Moodle removes every space from a response); ``typed`` as a person writes it."""

    name: str
    multiplier: Decimal
    typed: str = ""

    @property
    def shown(self) -> str:
        return self.typed or self.name


class Other(NamedTuple):
    """Another unit of the same kind, under ``units = "strict"``: the right value in it is wrong, and said to
    be in another unit. ``multiplier`` as :class:`Unit`'s; ``error`` in words, as ``check`` names it."""

    unit: str
    multiplier: Decimal
    error: str

    @property
    def spellings(self) -> tuple[Unit, ...]:
        return tuple(Unit(typed.replace(" ", ""), self.multiplier, typed) for typed in spellings(self.unit))


class Distractor(NamedTuple):
    """A wrong answer a common error gives: its value in the asked unit, the tolerance ``check`` matches it
    with (symmetric, both ends included), and the error in words, as ``check`` names it."""

    value: Decimal
    tolerance: Decimal
    error: str
    unit: str | None = None  # the unit the value is in, when it is not the asked unit (a right value in another)

    @property
    def lower(self) -> Decimal:
        return self.value - self.tolerance

    @property
    def upper(self) -> Decimal:
        return self.value + self.tolerance


class Question(NamedTuple):
    """One problem as a platform's numerical question."""

    problem: Problem
    code: str  # the sheet code of the sheet the problem is from
    idnumber: str  # the code and the problem number: traces the question to its sheet
    name: str
    category: str  # below the course's question bank: "dosecalc/level 2/pump-rate"
    position: int  # the problem's number on its sheet
    variant: int | None  # with variants, which one (1 to N)
    key: Decimal  # the key's answer at the sheet's step
    accepted: tuple[Accepted, ...]  # what the rule accepts: the key, the interval one place beyond, finer points
    units: tuple[Unit, ...]  # the asked unit first
    distractors: tuple[Distractor, ...]
    others: tuple[Other, ...]  # under units = "strict": the other units of the kind, whose right value is wrong
    unit_penalty: Decimal  # the share of the mark lost where a platform cannot confirm the unit: all of it, as
    # check marks a number in a unit other than the one it names wrong

    @property
    def unit(self) -> str:
        return self.problem.unit

    @property
    def interval(self) -> Accepted:
        """The interval of more precise answers, ``[E - step/20, E + step/20)``."""
        return next(a for a in self.accepted if not a.point)

    @property
    def points(self) -> tuple[Decimal, ...]:
        """The single values the rule accepts: the key first, then finer roundings of the exact answer."""
        return tuple(a.low for a in self.accepted if a.point)

    @property
    def centre(self) -> Decimal:
        """``E``: the exact answer rounded half up to one place beyond the asked one."""
        return (self.interval.low + self.interval.high) / 2

    @property
    def margin(self) -> Decimal:
        """Half the interval's width: a twentieth of the step."""
        return (self.interval.high - self.interval.low) / 2

    def rule(self) -> str:
        """The marking rule, in the words every sheet prints, and what it accepts for this question."""
        unit = self.unit
        others = [p for p in self.points if p != self.key]
        also = "".join(f", and exactly {plain(p)} {unit}" for p in others)
        return (
            f"{RULE} Here: exactly {plain(self.key)} {unit}, and from {plain(self.interval.low)} {unit} up to, "
            f"but not including, {plain(self.interval.high)} {unit}{also}."
        )

    def edge(self) -> str:
        """Where a symmetric, inclusive tolerance differs from the rule: at the interval's upper edge only (and
        not there when the edge is a finer rounding of the exact answer, which the rule accepts)."""
        if self.interval.high in self.points:
            return (
                f"This platform grades that interval as {plain(self.centre)} \u00b1 {plain(self.margin)} "
                f"{self.unit}, both ends included; its upper edge, {plain(self.interval.high)} {self.unit}, is right "
                "by the sheet's rule here too."
            )
        return (
            f"This platform grades that interval as {plain(self.centre)} \u00b1 {plain(self.margin)} {self.unit}, "
            f"both ends included, so it also accepts exactly {plain(self.interval.high)} {self.unit}, which the "
            "sheet's rule marks wrong."
        )


def _segment(text: str) -> str:
    """A word for a category path or a question name: letters, digits, spaces, ``.``, ``_`` and ``-`` only
    (a ``/`` would open a subcategory)."""
    return re.sub(r"[^A-Za-z0-9 ._-]+", "-", text).strip() or "-"


def plain(value: Decimal) -> str:
    """A decimal as plain digits, no exponent and no trailing zeros: ``Decimal("1.090E+4")`` is ``10900``."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def spellings(unit: str) -> list[str]:
    """The unit first, then the other spellings a platform that matches unit text exactly is given, each read
    by dosecalc as the same unit: each part's symbol and short forms (``mL/hr``), ``/`` or `` per `` between
    parts (``mL per h``), and a unit of one part in words (``milligrams``)."""
    parts = unit.split("/")
    if len(parts) == 1:
        return list(_WORDS.get(unit, (unit,)))
    forms = [_SPELLINGS.get(part, (part,)) for part in parts]
    separators = itertools.product(("/", " per "), repeat=len(parts) - 1)
    found = []
    for between in separators:
        for words in itertools.product(*forms):
            found.append("".join(w + s for w, s in zip(words, (*between, ""), strict=True)))
    return found


def _decimal(value: float) -> Decimal:
    return Decimal(f"{value:.12g}")


def _multiplier(asked: str, other: str) -> Decimal:
    from ..units import convert_text

    return Decimal(f"{convert_text(1.0, asked, other):.15g}")


def _units(problem: Problem, convert: bool) -> tuple[Unit, ...]:
    names = [(name, Decimal(1)) for name in spellings(problem.unit)]
    if convert:
        for other in SAME_KIND.get(problem.unit, ()):
            names += [(name, _multiplier(problem.unit, other)) for name in spellings(other)]
    return tuple(Unit(typed.replace(" ", ""), multiplier, typed) for typed, multiplier in names)


def _another_unit(problem: Problem, other: str) -> str:
    return (
        f"answered in another unit: the right value in {other}, but the question asks for {problem.unit} "
        "and this sheet marks answers in the unit asked"
    )


def _others(problem: Problem, convert: bool) -> tuple[Other, ...]:
    if convert:
        return ()
    return tuple(
        Other(other, _multiplier(problem.unit, other), _another_unit(problem, other))
        for other in SAME_KIND.get(problem.unit, ())
    )


def distractors(problem: Problem, convert: bool) -> tuple[Distractor, ...]:
    """The wrong answers the common errors give, in the order ``check`` tries them; none meets the right
    answer's interval or an earlier error's."""
    key, step = key_value(problem), problem.step
    half = step / 2
    exact = _decimal(problem.exact)
    right = accepted(problem)

    candidates = [
        Distractor(value, error_tolerance(value, step), words)
        for words, wrong in problem.errors
        if (value := _decimal(wrong))
    ]
    # rounded to another place, or cut off: exactly that value, named as check names it
    for value in [_round(exact, place) for place in PLACES if place != step] + [_round(exact, step, ROUND_DOWN)]:
        words, rounding = diagnose(value, problem)
        if rounding and words is not None:
            candidates.append(Distractor(value, Decimal(0), words))
    for factor, words in factor_errors(problem):
        for scaled in (exact * factor, exact / factor):
            value = _decimal(float(scaled))
            candidates.append(Distractor(value, error_tolerance(value, step), words))
    kept: list[Distractor] = []
    # the key's whole rounding interval, and whatever the rule accepts: no distractor comes near a right answer
    taken = [(key - half, key + half)] + [(a.low, a.high) for a in right]

    def keep(candidate: Distractor) -> None:
        if candidate.value <= 0:  # check never matches an error that gives nothing
            return
        if all(candidate.upper < low or candidate.lower > high for low, high in taken):
            kept.append(candidate)
        # kept or not, an error's interval is check's before any later one's
        taken.append((candidate.lower, candidate.upper))

    for candidate in candidates:
        keep(candidate)
    if not convert:
        for other in SAME_KIND.get(problem.unit, ()):
            multiplier = _multiplier(problem.unit, other)
            words = _another_unit(problem, other)
            keep(Distractor(_decimal(float(key * multiplier)), half * multiplier, words, other))
    return tuple(kept)


class Made(NamedTuple):
    """What a sheet's questions are made from: its problems, its code and the conventions it is marked by."""

    problems: Sequence[Problem]
    code: str
    convention: Convention


def question(problem: Problem, made: Made, category: str, name: str, variant: int | None = None) -> Question:
    """``problem`` of the sheet ``made`` as a platform's question."""
    convert = made.convention.units == "convert"
    code = made.code
    return Question(
        problem,
        code,
        f"{code} #{problem.number}",
        name,
        category,
        problem.number,
        variant,
        key_value(problem),
        accepted(problem),
        _units(problem, convert),
        distractors(problem, convert),
        _others(problem, convert),
        Decimal(1),
    )


def sheet_questions(sheet: Made) -> list[Question]:
    """A sheet's problems as questions, in categories by level and kind: ``dosecalc/level 2/pump-rate``."""
    return [
        question(
            problem,
            sheet,
            f"{TOP}/level {problem.level}/{_segment(problem.kind)}",
            f"{problem.number:02d} {_segment(problem.kind)} (level {problem.level})",
        )
        for problem in sheet.problems
    ]


def variant_questions(sheets: Sequence[Made], name: int | str) -> list[list[Question]]:
    """Variants as questions, one list (one category) per problem position: position N holds problem N of
    every variant's sheet (all of one kind, none alike), so a quiz's random question from the category gives
    each student their own. ``name`` names the set: its seed, or a graded set's identifier."""
    count = len(sheets[0].problems) if sheets else 0
    return [
        [
            question(
                sheet.problems[index],
                sheet,
                f"{TOP}/set {name}/problem {index + 1:02d}",
                f"{index + 1:02d} {_segment(sheet.problems[index].kind)} (level {sheet.problems[index].level}), "
                f"variant {variant}",
                variant,
            )
            for variant, sheet in enumerate(sheets, 1)
        ]
        for index in range(count)
    ]
