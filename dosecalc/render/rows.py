"""Rows for people, in no format: the headers and rounded cells of each result, its titles and its notes.

The terminal and Markdown writers (:mod:`.text`), the HTML writer (:mod:`.html`) and the web page's views all
draw these, so a figure reads the same in every face and no writer borrows cells from another. Figures are
rounded by :mod:`dosecalc.wording.numbers`; student and card text is kept as text (control characters
escaped), for each writer to escape for its own format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..columns import SCHEDULE_COLUMNS, Column
from ..errors import printable
from ..regimens import Card
from ..wording import numbers, words

if TYPE_CHECKING:
    from ..dosing import DoseFigures, Patient
    from ..pk import Run
    from ..results import ClassMarks, ItemAnalysis, Marks, ScheduleTable, Sheet, SimulationTable


def present(columns: Sequence[Column], rows: Iterable[Any]) -> list[Column]:
    """The columns that at least one row has a figure for."""
    rows = list(rows)
    return [c for c in columns if any(getattr(row, c.key) is not None for row in rows)]


def schedule_columns(result: ScheduleTable) -> list[Column]:
    return [c for c in SCHEDULE_COLUMNS if getattr(result.schedule, c.key) is not None]


def simulation_notes(run: Run) -> list[str]:
    """What a reader must know about one simulated regimen: the model, a drug mismatch, a bolus given over a time
    the card does not state, the model's weak point for fast inputs, sessions left out."""
    from ..pk import fast_input

    notes = [
        f"Model: {run.model.title}. Population: {run.model.population}. A population-model estimate for "
        "teaching, not a prediction for any patient."
    ]
    card = run.figures.plan.card
    drug = card.primary_trial_drug
    if drug is not None and drug.lower() != run.model.drug.lower():
        notes.append(
            f"The trial behind {card.id} used {drug}; the {run.model.id} model describes {run.model.drug}, and "
            f"the two are not interchangeable mg for mg, so the model does not describe the trial's doses."
        )
    notes.extend(f"{card.id}: {note}" for note in words.limit_notes(run.figures))
    if run.figures.outside_population and card.population is not None:
        notes.append(f"{card.id}: {words.population_note(run.figures)}")
    if run.course.boluses:
        over = numbers.duration(run.course.bolus_over)
        notes.append(
            f"{card.id}: the card gives its bolus at once and states no time for it, so the simulation gives it "
            f"evenly over {over} (dosecalc's assumption); the peak shown is after that {over} of mixing, not the "
            "amount / V1 of a dose put whole into the central compartment at one instant."
        )
    if run.model.fast_input_note is not None and fast_input(run.figures, run.course):
        notes.append(f"{run.model.id} model: {run.model.fast_input_note}")
    if run.course.sessions < card.sessions:
        notes.append(
            f"Simulated {run.course.sessions} of the card's {card.sessions} sessions; simulate {card.sessions} "
            "sessions for the whole course."
        )
    return notes


def patient_line(patient: Patient) -> str:
    kg = numbers.show(patient.weight, "kg")
    if patient.is_reference:
        return f"Patient: {kg} (reference adult: no weight given)"
    given = " ".join(str(patient.given).split())
    same = given.replace(" ", "") == kg.replace(" ", "")
    return f"Patient: {kg}" if same else f"Patient: {given} = {kg}"


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


def shared_notes(groups: Sequence[tuple[Patient, Sequence[DoseFigures]]], brief: bool = False) -> list[str]:
    """The notes of a table for several patients, each said once, in the order first met: a note that only
    some patients' rows carry (a cap that binds at 120 kg, a weight outside the population studied) names
    their weights, ``rate-0.35-mg-kg-h (120 kg): ...``."""
    found: dict[tuple[str, str], list[int]] = {}
    for number, (_, rows) in enumerate(groups):
        for row in rows:
            for note in words.row_notes(row, brief):
                found.setdefault((row.regimen, note), []).append(number)
    notes = []
    for (regimen, note), numbers_ in found.items():
        patients = sorted(set(numbers_))
        if len(patients) == len(groups):
            notes.append(f"{regimen}: {note}")
        else:
            weights = ", ".join(numbers.show(groups[n][0].weight, "kg") for n in patients)
            notes.append(f"{regimen} ({weights}): {note}")
    return notes


#: pandas' ``display.max_rows`` and ``display.min_rows``: a notebook shows a longer table as its first and last
#: rows (half of ``SHOWN_ROWS`` each) and a line for those between.
MAX_ROWS = 60
SHOWN_ROWS = 10


def cut(body: Sequence[Sequence[str]]) -> tuple[list[Sequence[str]], int, list[Sequence[str]]]:
    """The rows a notebook shows: all of them up to :data:`MAX_ROWS`; of a longer table the first and the
    last rows, with the number of rows between them."""
    if len(body) <= MAX_ROWS:
        return list(body), 0, []
    half = SHOWN_ROWS // 2
    return list(body[:half]), len(body) - 2 * half, list(body[-half:])


def cut_lines(left_out: int, total: int) -> tuple[str, str]:
    """What stands for the rows left out, and what is said under the table."""
    return (
        f"... {left_out:,} rows ...",
        f"{total:,} rows: the first and last {SHOWN_ROWS // 2} shown here; "
        "to_dataframe() or as_text('csv') gives every row.",
    )


def notes_heading(brief: bool) -> str:
    return "Notes in brief (each card gives the full text, with its sources):" if brief else "Notes:"


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


def _summary_lines(run: Run) -> list[str]:
    s = run.summary
    course = run.course
    ng = "ng/mL"
    given = f"{numbers.show(course.rate, 'mg/h')} for {numbers.duration(course.duration)}"
    if run.figures.phases:
        over = numbers.duration(course.bolus_over)
        given = ", then ".join(
            words.phase_summary(phase)
            + (f" (simulated over {over})" if phase.kind == "bolus" and phase.at_once else "")
            for phase in run.figures.phases
        )
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


#: A cell that shows a number: ``1,234.5``, ``25 (cap)``, ``977.9 (10 x)``, or ``-`` for none.
_NUMBER_CELL = re.compile(r"-|[0-9][0-9,]*(?:\.[0-9]+)?(?: \(cap\)| \([0-9,]+ x\))?")


def numeric_columns(headers: Sequence[str], body: Sequence[Sequence[str]]) -> list[bool]:
    """Which columns hold numbers (aligned right); text columns, and the first column, align left."""
    return [i > 0 and bool(body) and all(_NUMBER_CELL.fullmatch(row[i]) for row in body) for i in range(len(headers))]


def sheet_about(sheet: Sheet) -> str:
    """``10 problems, seed 2024``; a graded sheet's seed is not printed."""
    count = words.counted(len(sheet.problems), "problem")
    return count if sheet.seed is None else f"{count}, seed {sheet.seed}"
