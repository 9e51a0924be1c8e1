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
be typed. Moodle grades with the first answer whose interval holds the response, in the file's order, so the
right answers come first and no distractor meets them. Moodle widens every tolerance by a relative 1e-14 or so
(MDL-3225), far below any answer a student types.
A ``category`` pseudo-question before each change of category puts the questions in
``$course$/dosecalc/level N/KIND`` (a sheet) or ``$course$/dosecalc/set SEED/problem NN`` (variants).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...teaching.lms import Question, plain
from . import cdata, comment, error_html, export, question_html, right_answers, steps_html, xml_text

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
    for value, tolerance in right_answers(q):
        lines += _answer(value, tolerance, "100", "<p>Right.</p>")
    for d in q.distractors:
        lines += _answer(plain(d.value), plain(d.tolerance), "0", error_html(d.error, q))
    lines += [
        "    <unitgradingtype>1</unitgradingtype>",
        f"    <unitpenalty>{plain(q.unit_penalty)}</unitpenalty>",
        "    <showunits>0</showunits>",
        "    <unitsleft>0</unitsleft>",
        "    <units>",
    ]
    for unit in q.units:
        lines += [
            "      <unit>",
            f"        <multiplier>{plain(unit.multiplier)}</multiplier>",
            f"        <unit_name>{xml_text(unit.name)}</unit_name>",
            "      </unit>",
        ]
    lines += ["    </units>", "  </question>"]
    return lines


def quiz_xml(result: Result) -> str:
    """A sheet, or a set of variants, as Moodle XML."""
    made = export(result)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>", "  " + comment(made.title)]
    category = None
    for group in made.groups:
        for q in group:
            if q.category != category:
                category = q.category
                lines += [
                    '  <question type="category">',
                    f"    <category><text>$course$/{xml_text(category)}</text></category>",
                    "  </question>",
                ]
            lines += _question(q)
    lines.append("</quiz>")
    return "\n".join(lines) + "\n"
