"""Results as what the page templates show: plain strings and lists, rounded for people by the same writers
as the command line's tables (:mod:`dosecalc.render`), so a figure on the page is the figure in the terminal.

The templates escape everything they are given; nothing here builds markup except the chart, whose text
is escaped where it is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..columns import DOSE_COLUMNS
from ..render import figures
from ..render.rows import (
    CARD_HEADERS,
    card_lines,
    card_summary,
    dose_cells,
    dose_headers,
    notes_heading,
    numbered_notes,
    patient_line,
    present,
    schedule_cells,
    schedule_title,
    simulation_cells,
    simulation_notes_all,
    simulation_title,
)
from ..wording import words

if TYPE_CHECKING:
    from ..dosing import DoseFigures
    from ..results import CardDetail, CardList, ClassMarks, DoseTable, Marks, ScheduleTable, Sheet, SimulationTable


def _steps(rows: list[DoseFigures]) -> list[dict[str, Any]]:
    return [{"regimen": row.regimen, "lines": words.step_lines(row.steps)} for row in rows if row.steps]


def dose_table(
    result: DoseTable, refused: Mapping[str, str] | None = None, order: Sequence[str] = ()
) -> dict[str, Any]:
    """The table's groups; ``refused`` (regimen id -> why) adds a row for each card that could not be
    calculated, in the place ``order`` (the ids of every card) gives it."""
    groups = []
    for patient, rows in result.groups:
        columns = present(DOSE_COLUMNS, rows)
        cells: list[Any] = [dose_cells(row, columns) for row in rows]
        if refused:
            made = {row.regimen: shown for row, shown in zip(rows, cells, strict=True)}
            cells = [
                made[regimen]
                if regimen in made
                else {"regimen": regimen, "refused": f"Not calculated: {refused[regimen]}"}
                for regimen in order
                if regimen in made or regimen in refused
            ]
        groups.append(
            {
                "patient": patient_line(patient),
                "headers": dose_headers(columns),
                "rows": cells,
                "notes": numbered_notes(list(rows), result.brief),
                "steps": _steps(list(rows)),
            }
        )
    return {
        "groups": groups,
        "notes_heading": notes_heading(result.brief),
        "rounding": words.ROUNDED_FOR_DISPLAY,
        "steps_precision": words.STEPS_PRECISION,
    }


def schedule(result: ScheduleTable) -> dict[str, Any]:
    headers, body = schedule_cells(result)
    figures = result.schedule.figures
    return {
        "title": schedule_title(result).splitlines(),
        "headers": headers,
        "rows": body,
        "rounding": words.ROUNDED_FOR_DISPLAY,
        "notes_heading": notes_heading(result.brief),
        "notes": words.row_notes(figures, result.brief),
        "steps": _steps([figures]),
        "steps_precision": words.STEPS_PRECISION,
    }


def simulation(result: SimulationTable) -> dict[str, Any]:
    headers, body = simulation_cells(result)
    return {
        "title": simulation_title(result),
        "chart": figures.concentration(result.runs),
        "headers": headers,
        "rows": body,
        "notes": simulation_notes_all(result),
    }


def cards(result: CardList) -> dict[str, Any]:
    return {"headers": CARD_HEADERS, "rows": [card_summary(card) for card in result]}


def card(result: CardDetail) -> dict[str, Any]:
    found = result.card
    lines = card_lines(found)
    facts = lines[: lines.index("")] if "" in lines else lines
    return {
        "id": found.id,
        "facts": facts[1:],
        "sources": [{"citation": s.citation, "says": s.says, "link": s.link or ""} for s in found.sources],
        "notes": [note.text for note in found.notes],
    }


def sheet(result: Sheet) -> dict[str, Any]:
    return {
        "code": result.code,
        "graded": result.graded,
        "label": result.label,
        "conventions": result.convention.lines(p.unit for p in result.problems),
        "problems": [{"number": p.number, "question": p.question, "unit": p.unit} for p in result.problems],
    }


def answered(result: Sheet, given: Mapping[int, str]) -> dict[str, Any]:
    """How many of the sheet's problems have an answer typed, and which have none."""
    missing = [p.number for p in result.problems if not str(given.get(p.number) or "").strip()]
    return {"answered": len(result.problems) - len(missing), "out_of": len(result.problems), "unanswered": missing}


def unreadable(result: Marks) -> dict[str, str]:
    """The answers that cannot be read, keyed by their field (``answer-3``): what was typed and why, so that
    the form comes back with the text kept and the message beside it, before any answer is marked."""
    from ..errors import quote
    from ..teaching.marking import UNREADABLE

    return {
        f"answer-{m.problem.number}": f"{quote((m.given or '').strip())} {m.reason.removeprefix('unreadable: ')}"
        for m in result.marks
        if m.status == UNREADABLE
    }


def marks(result: Marks, *, withheld: bool = False) -> dict[str, Any]:
    """The marks to show; ``withheld`` (a graded sheet): right, wrong or unreadable only, without the answer,
    the error it matches, the feedback that names the answer, or the worked steps."""
    from ..teaching.exercises import answer_text
    from ..teaching.marking import UNREADABLE

    return {
        "right": result.right,
        "out_of": result.out_of,
        "withheld": withheld,
        "marks": [
            {
                "number": m.problem.number,
                "question": m.problem.question,
                "given": m.given or "",
                "status": m.status,
                "reason": m.reason if not withheld or m.status == UNREADABLE else "",
                "diagnosis": "" if withheld else m.diagnosis or "",
                "answer": "" if withheld else answer_text(m.problem),
                "steps": [] if m.correct or withheld else list(m.problem.steps),
            }
            for m in result.marks
        ],
    }


def class_marks(result: ClassMarks) -> dict[str, Any]:
    """A class marked, for the teacher's page: the gradebook and item analysis as tables, the students who
    could not be marked, and each student's feedback (an escaped fragment, as ``check --feedback`` writes it)."""
    from markupsafe import Markup

    from ..render.html import feedback_section
    from ..render.rows import gradebook_body, items_body, shown

    grade_headers, grade_rows = gradebook_body(result)
    item_headers, item_rows = items_body(result.item_analysis())
    return {
        "gradebook": {"headers": grade_headers, "rows": grade_rows},
        "analysis": {"headers": item_headers, "rows": item_rows},
        "refused": [shown(str(refused)) for refused in result.refused],
        "feedback": [Markup(feedback_section(marks)) for marks in result.students],  # escaped by feedback_section
    }
