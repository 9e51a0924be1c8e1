"""Marking: a student's answers read from CSV and marked against a sheet's key.

An answer is right when, rounded half up by the sheet's rule for its problem, it equals the key's answer, so
the rounded answer and any more precise one both score. A unit written after the number must be the one asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..errors import DoseCalcError, quote
from .exercises import Problem, answer_text, rounded


class Mark(NamedTuple):
    problem: Problem
    given: str | None
    correct: bool
    reason: str


def mark(problems: Sequence[Problem], answers: dict[int, str]) -> list[Mark]:
    """Mark answers (problem number -> text) against the key: correct when the answer, rounded by the
    sheet's rule, is the key's answer; so the rounded answer and any more precise one both score."""
    from ..units import read_number

    marks = []
    for p in problems:
        text = answers.get(p.number)
        if text is None or not text.strip():  # a blank cell is no answer, as a missing row is
            marks.append(Mark(p, None, False, "no answer"))
            continue
        try:
            number, unit = read_number(text, "answers")
        except DoseCalcError as error:
            raise DoseCalcError(f"problem {p.number}: {error.problem}", field="answers") from None
        if unit and unit.replace(" ", "").lower() != p.unit.lower():
            marks.append(Mark(p, text, False, f"the answer is asked in {p.unit}, not {unit}"))
            continue
        right = rounded(number, p.places) == p.answer
        marks.append(Mark(p, text, right, "correct" if right else f"expected {answer_text(p)}"))
    return marks


def read_answers(text: str) -> dict[int, str]:
    """A student's answers from CSV text with a header row ``problem,answer``: problem number -> answer text.
    Blank rows are skipped; a row that is not a problem number and an answer, or answers a problem twice, is
    refused with its row number (the header is row 1)."""
    import csv
    import io

    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise DoseCalcError(f"is not valid CSV ({error})", field="answers") from None
    if not rows or [cell.strip().lower() for cell in rows[0][:2]] != ["problem", "answer"]:
        raise DoseCalcError("needs a header row 'problem,answer'", field="answers")
    answers: dict[int, str] = {}
    for line, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        number_text = row[0].strip() if row else ""
        if len(row) != 2 or not number_text.isdigit() or not number_text.isascii():
            raise DoseCalcError(
                f"row {line}: expected a problem number and an answer, got {quote(','.join(row))}", field="answers"
            )
        if len(number_text) > 30:  # bounded before it is converted
            raise DoseCalcError(f"row {line}: problem {quote(number_text)} does not exist", field="answers")
        number = int(number_text)
        if number < 1:
            raise DoseCalcError(f"row {line}: there is no problem {number}; problems start at 1", field="answers")
        if number in answers:
            raise DoseCalcError(f"row {line}: problem {number} is answered twice", field="answers")
        answers[number] = row[1].strip()
    return answers
