"""GIFT: Moodle's one-line question format, ``::title::[html]text{#=%100%key:tolerance#feedback
=%0%value:tolerance#error ####steps}``.

The same questions as the Moodle XML export: the right answers first (the key with tolerance 0, ``E`` with a
twentieth of the step, any finer rounding of the exact answer with 0), the distractors at 0 % with feedback
naming the error, the worked steps as general feedback (``####``). GIFT has no units: the question text names
the unit, and only a number is read. The sheet code and problem number are the question's ID number, in the
comment line before it (``// [id:CODE #3]``, which Moodle's GIFT importer reads as the idnumber:
``extract_idnumber_and_tags_from_comment`` in ``question/format/gift/format.php``); never in the question
text. ``$CATEGORY:`` lines put the questions in the same categories as the XML export. Text is escaped for
HTML, then GIFT's own characters (``~ = # { } :`` and the backslash) are escaped with a backslash, and every
question is one line, so no text can start a comment or a category line.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...teaching.lms import Question, plain
from . import TextQuiz, clean, error_html, question_html, quiz_files, right_answers, steps_html

if TYPE_CHECKING:
    from ...results import Result

_SPECIAL = re.compile(r"([\\~=#{}:])")


def _one_line(text: str) -> str:
    return re.sub(r"[\r\n]+", " ", clean(text))


def escape_gift(text: str) -> str:
    """Text for a GIFT field: cleaned, on one line, with GIFT's special characters escaped."""
    return _SPECIAL.sub(r"\\\1", _one_line(text))


def _answer(fraction: str, value: str, tolerance: str, feedback: str) -> str:
    return f"={fraction}{value}:{tolerance}#{escape_gift(feedback)}"


def _question(q: Question) -> list[str]:
    answers = [_answer("%100%", value, tolerance, "<p>Right.</p>") for value, tolerance in right_answers(q)]
    answers += [_answer("%0%", plain(d.value), plain(d.tolerance), error_html(d.error, q)) for d in q.distractors]
    body = " ".join(answers) + " ####" + escape_gift(steps_html(q, symmetric=True))
    return [
        "// " + _one_line(f"[id:{q.idnumber}] {q.rule()} {q.edge()}"),
        f"::{escape_gift(q.name)}::[html]{escape_gift(question_html(q))}{{#{body}}}",
        "",
    ]


def _head(title: str) -> str:
    return "// " + _one_line(title) + "\n"


def _category(category: str) -> str:
    return "\n$CATEGORY: $course$/" + _one_line(category) + "\n"


def _question_text(q: Question) -> str:
    return "".join("\n" + line for line in _question(q))


#: A GIFT file: the title as a comment; a blank line before each ``$CATEGORY:`` line and each question.
LAYOUT = TextQuiz(_head, _category, _question_text, "")


def quiz_gift(result: Result) -> str:
    """A sheet, or a set of variants, in GIFT."""
    return quiz_files(result, LAYOUT)[0]


def quiz_gift_parts(result: Result, limit: int) -> list[str]:
    """A sheet, or a set of variants, as GIFT files of at most ``limit`` bytes each, each a whole quiz with
    its ``$CATEGORY:`` lines (:func:`.quiz_files`)."""
    return quiz_files(result, LAYOUT, limit)
