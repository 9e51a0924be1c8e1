"""Moodle XML: a ``<quiz>`` of numerical questions, as Moodle's importer (``question/format/xml/format.php``,
``import_numerical`` and ``import_headers``) reads them.

Each question: name, question text and general feedback (the worked steps) as HTML in CDATA, ``idnumber`` (the
sheet code and problem number), the right answers at 100 % (the key with tolerance 0, the interval of more
precise answers as ``E`` with tolerance step/20, any finer rounding of the exact answer with 0: see
:mod:`dosecalc.teaching.lms`), then the distractors at 0 % with feedback naming the error; ``units`` (the
asked unit and its spellings at multiplier 1, other units of the same kind with their multipliers when the
profile converts units), ``unitgradingtype`` 1 with ``unitpenalty`` 1 and ``showunits`` 0 (the unit typed
after the number): Moodle matches a number first through its unit, then the bare number with the unit marked
wrong (``qtype_numerical_question::get_matching_answer``), so without unit grading ``20 mg/min`` would score
for a key of 20 mg/h. Graded, a number whose unit Moodle cannot confirm scores nothing, as ``check`` marks it;
a bare number scores nothing too (``check`` reads it in the asked unit), so the question asks for the unit to
be typed; the feedback of a right answer's number is true when it scores nothing for want of the unit (Moodle
shows it then, with its own "You did not give the correct unit"), so it never says "Right". Moodle removes every
space from the response and matches the text after the number exactly against the unit names, so the names are
written with no spaces (``mL per h`` is ``mLperh``), and the question names the spellings it reads. Under
``units = "strict"`` each other unit of the kind is listed with its multiplier negated (times 1,000 for the
second), with a 0 % answer "answered in another unit" at minus the key first of all: Moodle tries each answer in
the file's order, the value divided by its unit's multiplier and then the number alone, so the right value in
that unit reaches that answer before any error's. Then the right answers, and no distractor meets them.
Moodle widens every tolerance by a relative 1e-14 or so
(MDL-3225), far below any answer a student types.
A ``category`` pseudo-question before each change of category puts the questions in
``$course$/dosecalc/level N/KIND`` (a sheet) or ``$course$/dosecalc/set SEED/problem NN`` (variants).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ...teaching.lms import Question, plain
from . import (
    TextQuiz,
    cdata,
    comment,
    error_html,
    html_text,
    question_html,
    quiz_files,
    right_answers,
    steps_html,
    xml_text,
)

if TYPE_CHECKING:
    from ...results import Result


def _text(tag: str, html: str, indent: str) -> str:
    return f'{indent}<{tag} format="html"><text>{cdata(html)}</text></{tag}>'


def _answer(value: str, tolerance: str, fraction: str, feedback: str) -> list[str]:
    return [
        f'    <answer fraction="{fraction}" format="moodle_auto_format">',
        f"      <text>{value}</text>",
        f"      <tolerance>{tolerance}</tolerance>",
        _text("feedback", feedback, "      "),
        "    </answer>",
    ]


def _question(q: Question) -> list[str]:
    lines = [
        "  " + comment(f"sheet {q.idnumber}. {q.rule()} {q.edge()}"),
        '  <question type="numerical">',
        f"    <name><text>{xml_text(q.name)}</text></name>",
        _text("questiontext", question_html(q, unit_typed=True), "    "),
        _text("generalfeedback", steps_html(q, symmetric=True), "    "),
        "    <defaultgrade>1</defaultgrade>",
        "    <penalty>0.3333333</penalty>",
        "    <hidden>0</hidden>",
        f"    <idnumber>{xml_text(q.idnumber)}</idnumber>",
    ]
    # first, under strict units: the right value in another unit, which Moodle knows by the unit's negated
    # multiplier (see _elsewhere): no response in the asked unit, and no bare number above zero, can reach
    # these, and nothing before them can take the response from them
    half = q.problem.step / 2
    for index, other in enumerate(q.others):
        scale = _scale(index)
        lines += _answer(plain(-q.key / scale), plain(half / scale), "0", error_html(other.error, q))
    for value, tolerance in right_answers(q):
        lines += _answer(value, tolerance, "100", right_html(q))
    for d in q.distractors:
        if d.unit is None:  # a right value in another unit is answered above, by its unit
            lines += _answer(plain(d.value), plain(d.tolerance), "0", error_html(d.error, q))
    lines += [
        "    <unitgradingtype>1</unitgradingtype>",
        f"    <unitpenalty>{plain(q.unit_penalty)}</unitpenalty>",
        "    <showunits>0</showunits>",
        "    <unitsleft>0</unitsleft>",
        "    <units>",
    ]
    units = list(q.units) + [
        u._replace(multiplier=-u.multiplier * _scale(index))
        for index, other in enumerate(q.others)
        for u in other.spellings
    ]
    for unit in units:
        lines += [
            "      <unit>",
            f"        <multiplier>{plain(unit.multiplier)}</multiplier>",
            f"        <unit_name>{xml_text(unit.name)}</unit_name>",
            "      </unit>",
        ]
    lines += ["    </units>", "  </question>"]
    return lines


def _scale(index: int) -> Decimal:
    """How far the answers for the ``index``-th other unit are moved from the asked unit's, and from each
    other's. Moodle divides a value in a unit it knows by the unit's multiplier, then looks for the first answer
    that holds it: listed at ``-multiplier x 1000^index``, the right value in that unit lands on ``-key /
    1000^index``, within half a step / 1000^index, a place no value in the asked unit reaches (it is negative)
    and no other unit's does (the key is at least a step, two half-steps, so the intervals cannot meet)."""
    return Decimal(1000) ** index


def right_html(q: Question) -> str:
    """Feedback for a right answer's number, true whatever unit came with it: Moodle shows it also when the
    number scores nothing for want of a unit it knows (a bare number, an unlisted spelling), and then adds
    its own "You did not give the correct unit"."""
    return (
        f"<p>This number is the answer in {html_text(q.unit)}; it scores only with {html_text(q.unit)} (or a "
        "spelling the question lists) typed after it.</p>"
    )


def _head(title: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n  {comment(title)}\n'


def _category(category: str) -> str:
    return (
        '  <question type="category">\n'
        f"    <category><text>$course$/{xml_text(category)}</text></category>\n"
        "  </question>\n"
    )


def _question_text(q: Question) -> str:
    return "".join(line + "\n" for line in _question(q))


#: A Moodle XML file: the declaration, ``<quiz>`` and the title; a category pseudo-question before each change
#: of category; the questions; ``</quiz>``.
LAYOUT = TextQuiz(_head, _category, _question_text, "</quiz>\n")


def quiz_xml(result: Result) -> str:
    """A sheet, or a set of variants, as Moodle XML."""
    return quiz_files(result, LAYOUT)[0]


def quiz_xml_parts(result: Result, limit: int) -> list[str]:
    """A sheet, or a set of variants, as Moodle XML files of at most ``limit`` bytes each, each a whole quiz
    with its categories (:func:`.quiz_files`)."""
    return quiz_files(result, LAYOUT, limit)
