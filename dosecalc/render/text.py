"""Text for people: terminal tables (rich), plain text and Markdown, each with the disclaimer.

Figures are rounded by :mod:`.numbers`; card and user text is placed in rich ``Text`` objects (never read
as markup) and has ``|`` escaped in Markdown tables.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any, NamedTuple

from .. import DISCLAIMER
from ..columns import DOSE_COLUMNS, Column
from ..errors import printable
from ..files import path_text
from ..regimens import Card
from . import numbers, words
from .data import present, schedule_columns, simulation_notes

if TYPE_CHECKING:
    from ..dosing import DoseFigures, Patient
    from ..pk import Run
    from ..results import (
        CardDetail,
        CardList,
        ClassMarks,
        DoseTable,
        ItemAnalysis,
        Marks,
        ScheduleTable,
        Sheet,
        Sheets,
        SimulationTable,
    )


def draw(renderable: Any, *, width: int | None = None, color: bool = False) -> str:
    """A rich renderable drawn as text ``width`` characters wide (default 140), without colour unless asked."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or 140,
        force_terminal=color,
        color_system="auto" if color else None,
        no_color=not color,
        highlight=False,
        soft_wrap=False,
    )
    console.print(renderable)
    return buffer.getvalue()


def patient_line(patient: Patient) -> str:
    kg = numbers.show(patient.weight, "kg")
    if patient.is_reference:
        return f"Patient: {kg} (reference adult: no weight given)"
    given = " ".join(str(patient.given).split())
    same = given.replace(" ", "") == kg.replace(" ", "")
    return f"Patient: {kg}" if same else f"Patient: {given} = {kg}"


# --------------------------------------------------------------------------------------- dose tables


def dose_cells(row: DoseFigures, columns: Sequence[Column]) -> list[str]:
    """A table row for people: the regimen, then each figure rounded for display."""
    cells = [row.regimen]
    for column in columns:
        q = getattr(row, column.key)
        if column.key == "rate" and row.cap_binds:
            cells.append(f"{numbers.magnitude(q, column.unit)} (cap)")
        elif column.key == "course_total_dose":
            cells.append(f"{numbers.magnitude(q, column.unit)} ({row.sessions} x)")
        else:
            cells.append("-" if q is None else numbers.magnitude(q, column.unit))
    return cells


def dose_headers(columns: Sequence[Column], separator: str = " ") -> list[str]:
    return ["Regimen", *(f"{c.header}{separator}({c.unit})" for c in columns)]


def numbered_notes(rows: Sequence[DoseFigures], brief: bool = False) -> list[str]:
    """Each row's notes, prefixed by its regimen (in brief: each card note in its one-line form)."""
    return [f"{row.regimen}: {note}" for row in rows for note in words.row_notes(row, brief)]


def notes_heading(brief: bool) -> str:
    return "Notes in brief (each card gives the full text, with its sources):" if brief else "Notes:"


def _markdown_notes(notes: Sequence[str], brief: bool) -> list[str]:
    if not notes:
        return []
    return ["", notes_heading(brief), ""] + [f"{n}. {_md_escape(note)}" for n, note in enumerate(notes, 1)]


def _steps_lines(rows: Sequence[DoseFigures], schedule: bool = False) -> list[str]:
    lines = []
    for row in rows:
        if not row.steps:
            continue
        lines.append(f"{row.regimen}:")
        lines += [f"  {number}. {line}" for number, line in enumerate(words.step_lines(row.steps), 1)]
        if schedule:
            rate = words.step_term(row.rate, "rate", frozenset({words.step_key(row.rate)}))
            lines.append(
                f"  {len(row.steps) + 1}. cumulative dose at elapsed time t: {rate}"
                " \u00d7 t (the last row is the dose per session)"
            )
    return lines


def dose_markdown(result: DoseTable) -> str:
    lines = [f"> **{DISCLAIMER}**"]
    for patient, rows in result.groups:
        columns = present(DOSE_COLUMNS, rows)
        lines += ["", _md_escape(patient_line(patient)), ""]
        lines += _markdown_table(dose_headers(columns), [dose_cells(row, columns) for row in rows])
        lines += _markdown_notes(numbered_notes(rows, result.brief), result.brief)
        lines += _steps_markdown(rows)
    return "\n".join(lines) + "\n"


def _steps_markdown(rows: Sequence[DoseFigures], schedule: bool = False) -> list[str]:
    steps = _steps_lines(rows, schedule)
    if not steps:
        return []
    out = ["", f"Worked steps. {words.STEPS_PRECISION}", ""]
    for line in steps:
        out.append(f"**{line[:-1]}**" if not line.startswith("  ") else f"   {line.strip()}")
        if not line.startswith("  "):
            out.append("")
    return out


def dose_table(result: DoseTable) -> Any:
    """A rich renderable: the disclaimer, then for each patient the patient line, the table and the notes."""
    blocks = []
    for patient, rows in result.groups:
        columns = present(DOSE_COLUMNS, rows)
        body = [dose_cells(r, columns) for r in rows]
        notes = numbered_notes(rows, result.brief)
        blocks.append(
            Block(patient_line(patient), dose_headers(columns, "\n"), body, notes, _steps_lines(rows), result.brief)
        )
    return _rich_blocks(blocks)


# --------------------------------------------------------------------------------------- schedules


def schedule_cells(result: ScheduleTable) -> tuple[list[str], list[list[str]]]:
    """Headers and rounded rows of a schedule: elapsed time as h:mm, then each figure."""
    schedule = result.schedule
    columns = schedule_columns(result)
    headers = ["Time (h:mm)", *(f"{c.header} ({c.unit})" for c in columns[1:])]
    body = []
    hours = schedule.time.to("h").magnitude
    for i in range(schedule.rows):
        cells = [numbers.clock(hours[i])]
        cells += [numbers.magnitude(getattr(schedule, c.key)[i], c.unit) for c in columns[1:]]
        body.append(cells)
    return headers, body


def schedule_title(result: ScheduleTable) -> str:
    schedule = result.schedule
    fig = schedule.figures
    card = fig.plan.card
    given = f"{numbers.show(fig.rate, 'mg/h')} for {numbers.duration(fig.duration)}"
    if fig.phases:  # each phase in its own words: bolus 35 mg at once, then 42 mg/h for 3 h
        given = ", then ".join(words.phase_summary(phase) for phase in fig.phases)
    return (
        f"{card.id}: {card.title}\n{patient_line(result.patient)}; {given}, "
        f"total {numbers.show(fig.total_dose, 'mg')}; step {numbers.duration(schedule.step)}"
    )


def schedule_markdown(result: ScheduleTable) -> str:
    headers, body = schedule_cells(result)
    figures = result.schedule.figures
    lines = [f"> **{DISCLAIMER}**", "", *map(_md_escape, schedule_title(result).split("\n")), ""]
    lines += _markdown_table(headers, body)
    lines += ["", words.ROUNDED_FOR_DISPLAY]
    lines += _markdown_notes(words.row_notes(figures, result.brief), result.brief)
    lines += _steps_markdown([figures], schedule=True)
    return "\n".join(lines) + "\n"


def schedule_table(result: ScheduleTable) -> Any:
    headers, body = schedule_cells(result)
    figures = result.schedule.figures
    steps = _steps_lines([figures], schedule=True)
    notes = words.row_notes(figures, result.brief)
    block = Block(schedule_title(result), headers, body, notes, steps, result.brief, words.ROUNDED_FOR_DISPLAY)
    return _rich_blocks([block])


# --------------------------------------------------------------------------------------- regimen cards

CARD_HEADERS = ["ID", "Title", "Kind", "Documented dose", "Duration", "Sessions", "Rate cap", "First source"]


def card_summary(card: Card) -> list[str]:
    """A card in one row: id, title, kind, documented dose, duration, sessions, cap, first source."""
    return [
        card.id,
        card.title,
        card.kind,
        numbers.card_dose_text(card),
        numbers.duration(card.duration) + (" (minimum)" if card.minimum_duration is not None else ""),
        str(card.sessions),
        numbers.show(card.max_rate, "mg/h") if card.max_rate is not None else "-",
        card.sources[0].citation.split(".")[0] if card.sources else "",
    ]


def cards_markdown(result: CardList) -> str:
    lines = [f"> **{DISCLAIMER}**", ""]
    lines += _markdown_table(CARD_HEADERS, [card_summary(c) for c in result])
    return "\n".join(lines) + "\n"


def cards_table(result: CardList) -> Any:
    return _rich_blocks([Block("Regimen cards", CARD_HEADERS, [card_summary(c) for c in result])])


def card_lines(card: Card) -> list[str]:
    """One card in full, as lines of plain text (no disclaimer, no file)."""
    lines = [f"{card.title}", f"id: {card.id}   kind: {card.kind}", f"Indication: {card.indication}"]
    if card.drug is not None:
        lines.append(f"Drug: {card.drug}")
    if card.population is not None:
        lines.append(f"Population studied: {card.population.studied}")
    lines.append(f"Documented dose: {numbers.card_dose_text(card)}")
    lines.append(f"Duration: {numbers.duration(card.duration)}")
    if card.minimum_duration is not None:
        lines.append(f"Minimum duration: {numbers.duration(card.minimum_duration)}")
    if card.max_rate is not None:
        lines.append(f"Rate cap: {numbers.show(card.max_rate, 'mg/h')}")
    lines.append(f"Sessions in the documented course: {card.sessions}")
    if card.preparation is not None:
        p = card.preparation
        lines.append(
            f"Documented preparation: {numbers.show(p.amount, 'mg')} in {numbers.show(p.volume, 'mL')} "
            f"({numbers.show(p.concentration, 'mg/mL')})"
        )
    lines += ["", "Sources:"]
    for number, source in enumerate(card.sources, 1):
        lines.append(f"  [{number}] {source.citation}")
        lines.append(f"      {source.says}")
        if source.link:
            lines.append(f"      {source.link}")
    if card.notes:
        lines += ["", "Notes:"] + [f"  - {note.text}" for note in card.notes]
    return lines


def card_text(result: CardDetail) -> str:
    """One card in full, for ``dosecalc show``: plain text that reads well in a terminal or a file."""
    lines = card_lines(result.card)
    lines[1] += f"   file: {path_text(result.origin)}"
    return "\n".join([DISCLAIMER, "", *lines]) + "\n"


def card_markdown(result: CardDetail) -> str:
    body = "\n".join(f"    {line}" if line else "" for line in card_lines(result.card))
    return f"> **{DISCLAIMER}**\n\n{body}\n"


# --------------------------------------------------------------------------------------- simulations


def _summary_lines(run: Run) -> list[str]:
    s = run.summary
    course = run.course
    ng = "ng/mL"
    given = f"{numbers.show(course.rate, 'mg/h')} for {numbers.duration(course.duration)}"
    if run.figures.phases:
        given = ", then ".join(words.phase_summary(phase) for phase in run.figures.phases)
    lines = [
        f"{run.figures.regimen}: {given}"
        + (f", {course.sessions} sessions every {numbers.duration(course.interval)}" if course.sessions > 1 else ""),
        # the summary is of the whole course, whatever window of it the table shows (--until)
        f"  over the whole course: peak {numbers.significant(float(s.peak_concentration.to(ng).magnitude))} ng/mL at "
        f"{numbers.clock(float(s.time_of_peak.to('h').magnitude))} (h:mm)",
        "  end of each session: "
        + ", ".join(f"{numbers.significant(float(c.to(ng).magnitude))} ng/mL" for c in s.end_of_session),
    ]
    if s.trough_before_next:
        lines.append(
            "  trough before the next session: "
            + ", ".join(f"{numbers.significant(float(c.to(ng).magnitude))} ng/mL" for c in s.trough_before_next)
        )
    if s.half_time_after_end is not None:
        minutes = float(s.half_time_after_end.to("min").magnitude)
        lines.append(f"  falls by half {numbers.number(minutes, 0)} min after the end of the last infusion")
    return lines


def simulation_cells(result: SimulationTable) -> tuple[list[str], list[list[str]]]:
    runs = result.runs
    headers = ["Time (h:mm)", *(f"{run.figures.regimen} (ng/mL)" for run in runs)]
    hours = result.time.to("h").magnitude
    columns = [run.simulation.concentration.to("ng/mL").magnitude for run in runs]
    body = [
        [numbers.clock(float(h)), *(numbers.significant(float(c[i])) for c in columns)] for i, h in enumerate(hours)
    ]
    return headers, body


def simulation_title(result: SimulationTable) -> list[str]:
    title = [f"Predicted plasma concentration ({result.runs[0].model.id} model); {patient_line(result.patient)}"]
    for run in result.runs:
        title += _summary_lines(run)
    return title


def simulation_notes_all(result: SimulationTable) -> list[str]:
    return list(dict.fromkeys(note for run in result.runs for note in simulation_notes(run)))


def simulation_table(result: SimulationTable) -> Any:
    headers, body = simulation_cells(result)
    return _rich_blocks([Block("\n".join(simulation_title(result)), headers, body, simulation_notes_all(result))])


def simulation_markdown(result: SimulationTable) -> str:
    headers, body = simulation_cells(result)
    lines = [f"> **{DISCLAIMER}**", "", *(f"    {line}" for line in simulation_title(result)), ""]
    lines += _markdown_table(headers, body)
    lines += _markdown_notes(simulation_notes_all(result), brief=False)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------- teaching


#: A line to write on, in Markdown (escaped underscores).
_BLANK = "\\_" * 12


def sheet_markdown(result: Sheet) -> str:
    """The worksheet or answer key in Markdown: name, date and class lines, the code and the conventions at
    the top, then each problem with an answer blank and its unit (the key: the answer and the steps)."""
    from ..teaching.exercises import answer_text

    title = "Answer key" if result.is_key else "Worksheet"
    name = _BLANK + _BLANK if result.student is None else _md_escape(shown(result.student))
    lines = [
        f"# Infusion dosage calculations: {title.lower()}",
        "",
        f"> **{DISCLAIMER}**",
        "",
        f"Sheet code **{result.code}** ({sheet_about(result)}), {result.label}.",
        "",
        f"Name: {name}  ",
        f"Date: {_BLANK}  ",
        f"Class: {_BLANK}",
        "",
    ]
    lines += [f"- {line}" for line in result.convention.lines(p.unit for p in result.problems)] + [""]
    for p in result.problems:
        lines.append(f"{p.number}. (level {p.level}) {p.question}")
        lines.append("")
        if result.is_key:
            lines.append(f"   - **Answer: {answer_text(p)}**")
            lines += [f"   - {step}" for step in p.steps]
        else:
            lines.append(f"   Answer: {_BLANK} {p.unit}")
        lines.append("")
    lines += [f"> **{DISCLAIMER}**", ""]
    return "\n".join(lines)


def sheet_about(sheet: Sheet) -> str:
    """``10 problems, seed 2024``; a graded sheet's seed is not printed."""
    count = f"{len(sheet.problems)} problems"
    return count if sheet.seed is None else f"{count}, seed {sheet.seed}"


def sheets_markdown(result: Sheets) -> str:
    """Every student's sheet, one after another, each headed by the student's name."""
    parts = [f"## {_md_escape(shown(sheet.student))}\n\n" + sheet_markdown(sheet) for sheet in result.sheets]
    return "\n---\n\n".join(parts)


def shown(text: str | None) -> str:
    """A student's text as printed: control characters escaped, so nothing they typed acts on a terminal."""
    return "" if text is None else printable(text)


_STATUS_WORDS = {"right": "right", "wrong": "WRONG", "unreadable": "UNREADABLE", "no answer": "no answer"}


def score_line(result: Marks) -> str:
    who = f"{shown(result.student)}: " if result.student else ""
    points = f"{result.score:g}" if result.partial else str(result.right)
    partial = " with partial credit" if result.partial else ""
    return f"{who}{points}/{result.out_of} right{partial} ({numbers.number(result.percent, 1)}%), sheet {result.code}"


def marks_body(result: Marks) -> tuple[list[str], list[list[str]]]:
    """The marks as table cells: problem, status, the answer given, the key, the feedback."""
    from ..teaching.exercises import answer_text

    headers = ["problem", "status", "answer given", "key", "feedback"]
    body = [
        [
            str(m.problem.number),
            _STATUS_WORDS[m.status],
            shown(m.given) if m.given else "-",
            answer_text(m.problem),
            "" if m.status in ("right", "no answer") else shown(m.reason),
        ]
        for m in result.marks
    ]
    return headers, body


def _marks_steps(result: Marks) -> list[str]:
    lines = []
    for m in result.marks:
        if not m.correct:
            lines.append(f"Problem {m.problem.number}:")
            lines += [f"  {step}" for step in m.problem.steps]
    return lines


def _marks_notes(result: Marks) -> list[str]:
    return [shown(note) for note in result.notes]


def marks_table(result: Marks) -> Any:
    headers, body = marks_body(result)
    rule = result.sheet.convention.lines()[3]
    return _rich_blocks(
        [Block(score_line(result), headers, body, _marks_notes(result), _marks_steps(result), caption=rule)]
    )


def marks_markdown(result: Marks) -> str:
    headers, body = marks_body(result)
    lines = [f"> **{DISCLAIMER}**", "", f"**{_md_escape(score_line(result))}**", ""]
    lines += _markdown_table(headers, body)
    lines += ["", _md_escape(result.sheet.convention.lines()[3])]
    if result.notes:
        lines += ["", "Not marked:", ""] + [f"- {_md_escape(note)}" for note in _marks_notes(result)]
    steps = _marks_steps(result)
    if steps:
        lines += ["", "Worked steps for the problems not right:", ""]
        lines += [f"- {_md_escape(line.strip())}" if line.startswith("  ") else f"\n**{line}**\n" for line in steps]
    return "\n".join(lines) + "\n"


def gradebook_body(result: ClassMarks) -> tuple[list[str], list[list[str]]]:
    width = max((marks.out_of for marks in result.students), default=0)
    headers = ["student", "score", "out of", "%", *map(str, range(1, width + 1))]
    symbols = {"right": "1", "wrong": "0", "unreadable": "?", "no answer": "-"}
    body = [
        [
            shown(m.student),
            f"{m.score:g}",
            str(m.out_of),
            numbers.number(m.percent, 1),
            *(
                symbols[mark.status] if not (m.partial and 0 < mark.credit < 1) else f"{mark.credit:g}"
                for mark in m.marks
            ),
        ]
        for m in result.students
    ]
    return headers, body


def _class_notes(result: ClassMarks) -> list[str]:
    notes = [shown(str(student)) for student in result.refused]
    notes += [f"{shown(m.student)}: {shown(note)}" for m in result.students for note in m.notes]
    if result.ignored:
        notes.append("Columns not read: " + ", ".join(shown(name) for name in result.ignored[:10]))
    return notes


def items_body(result: ItemAnalysis) -> tuple[list[str], list[list[str]]]:
    headers = [
        "problem", "kind", "right", "wrong", "unreadable", "no answer", "commonest wrong answers (the error matched)",
    ]  # fmt: skip
    body = []
    for item in result.items:
        common = "; ".join(
            f"{shown(text)} x{count}" + (f" ({diagnosis})" if diagnosis else "")
            for text, count, diagnosis in item.wrong_answers
        )
        counts = [str(item.counts[status]) for status in ("right", "wrong", "unreadable", "no answer")]
        body.append([str(item.number), item.kind, *counts, common or "-"])
    return headers, body


_CLASS_KEY = "1 right, 0 wrong, ? unreadable, - no answer (or the partial credit given)."


def _students(count: int) -> str:
    return f"{count} student" if count == 1 else f"{count} students"


def class_table(result: ClassMarks) -> Any:
    headers, body = gradebook_body(result)
    item_headers, item_body = items_body(result.item_analysis())
    return _rich_blocks(
        [
            Block(f"Gradebook: {_students(len(result))}", headers, body, _class_notes(result), caption=_CLASS_KEY),
            Block("Item analysis", item_headers, item_body),
        ]
    )


def class_markdown(result: ClassMarks) -> str:
    headers, body = gradebook_body(result)
    lines = [f"> **{DISCLAIMER}**", "", f"## Gradebook: {_students(len(result))}", ""]
    lines += [*_markdown_table(headers, body), "", _CLASS_KEY]
    notes = _class_notes(result)
    if notes:
        lines += ["", "Notes:", ""] + [f"- {_md_escape(note)}" for note in notes]
    item_headers, item_body = items_body(result.item_analysis())
    lines += ["", "## Item analysis", "", *_markdown_table(item_headers, item_body)]
    return "\n".join(lines) + "\n"


def items_table(result: ItemAnalysis) -> Any:
    headers, body = items_body(result)
    return _rich_blocks([Block("Item analysis", headers, body)])


def items_markdown(result: ItemAnalysis) -> str:
    headers, body = items_body(result)
    return "\n".join([f"> **{DISCLAIMER}**", "", *_markdown_table(headers, body)]) + "\n"


# --------------------------------------------------------------------------------------- shared pieces


_MARKDOWN_LINKS = str.maketrans({"\\": "\\\\", "[": "\\[", "]": "\\]", "|": "\\|"})


def _md_escape(text: str) -> str:
    """Text for a Markdown line or table cell: HTML in it is shown, never run (Jupyter and most Markdown
    viewers render raw HTML), brackets cannot open a link or an image (``[a](javascript:...)``, ``![](...)``),
    and a ``|`` cannot end a table cell."""
    return escape(text, quote=False).translate(_MARKDOWN_LINKS)


#: A cell that shows a number: ``1,234.5``, ``25 (cap)``, ``977.9 (10 x)``, or ``-`` for none.
_NUMBER_CELL = re.compile(r"-|[0-9][0-9,]*(?:\.[0-9]+)?(?: \(cap\)| \([0-9,]+ x\))?")


def numeric_columns(headers: Sequence[str], body: Sequence[Sequence[str]]) -> list[bool]:
    """Which columns hold numbers (aligned right); text columns, and the first column, align left."""
    return [i > 0 and bool(body) and all(_NUMBER_CELL.fullmatch(row[i]) for row in body) for i in range(len(headers))]


def _markdown_table(headers: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md_escape(h) for h in headers) + " |"]
    lines.append("|" + "|".join("---:" if right else ":---" for right in numeric_columns(headers, body)) + "|")
    lines += ["| " + " | ".join(_md_escape(cell) for cell in row) + " |" for row in body]
    return lines


class Block(NamedTuple):
    """One titled table for a terminal, with what follows it."""

    title: str
    headers: Sequence[str]
    body: Sequence[Sequence[str]]
    notes: Sequence[str] = ()
    steps: Sequence[str] = ()
    brief: bool = False
    caption: str = ""  # said right under the table


def _rich_blocks(blocks: Sequence[Block]) -> Any:
    """The disclaimer, then for each block its title, table, notes and worked steps, then the disclaimer."""
    from rich.console import Group  # rich is imported only when a terminal table is drawn
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = [Text(DISCLAIMER, style="bold")]
    for title, headers, body, notes, steps, brief, caption in blocks:
        table = Table(show_lines=False, header_style="bold")
        right = numeric_columns(headers, body)
        for i, header in enumerate(headers):  # Text, not str: card and user text is never read as markup
            table.add_column(Text(header), justify="right" if right[i] else "left", overflow="fold", no_wrap=i == 0)
        for row in body:
            table.add_row(*map(Text, row))
        parts += [Text(title), table]
        if caption:
            parts.append(Text(caption))
        if notes:
            numbered = "\n".join(f"{n}. {note}" for n, note in enumerate(notes, 1))
            parts.append(Text(f"{notes_heading(brief)}\n{numbered}"))
        if steps:
            parts.append(Text(f"Worked steps. {words.STEPS_PRECISION}\n" + "\n".join(steps)))
    parts.append(Text(DISCLAIMER, style="dim"))
    return Group(*parts)
