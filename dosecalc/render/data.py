"""Machine output: each result as the JSON contract (plain dicts) and as CSV, at full precision.

Every figure is ``{"value": float, "unit": "mg/h"}`` in its canonical unit; CSV columns carry the unit in
their name (``rate_mg_per_h``) and ``repr`` of the float, so nothing is rounded. The JSON documents carry the
disclaimer as a field; CSV has no room for it (the command line prints it on standard error).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import orjson
import pint

from ..cells import safe_cell
from ..columns import DOSE_COLUMNS
from ..dosing import LIMIT_UNITS
from ..files import path_text
from ..formats import RAW_CSV
from ..regimens import DOSE_UNITS, Card, documented_dose, dose_unit
from ..units import in_unit, magnitude_in, units_of
from ..wording import DISCLAIMER, words
from .rows import present, schedule_columns, simulation_notes

if TYPE_CHECKING:
    from ..cohorts import BadRow
    from ..dosing import DoseFigures, Patient
    from ..pk import ConcentrationSummary, Run
    from ..results import (
        CardDetail,
        CardList,
        ClassMarks,
        DoseTable,
        ItemAnalysis,
        Marks,
        Result,
        ScheduleTable,
        Sheet,
        Sheets,
        SimulationTable,
    )
    from ..teaching.marking import Mark
    from ..units import Quantity

#: Said in the JSON of a table for the reference adult.
REFERENCE_NOTE = "No weight given: a 70 kg reference adult is used."


def _value(q: Quantity, unit: str) -> dict[str, Any]:
    return {"value": float(magnitude_in(q, unit)), "unit": unit}


#: Characters JSON may carry raw that a terminal could act on (DEL and the C1 controls, such as the one-byte
#: CSI) or that end a line in JavaScript: written as \\u escapes, which read back as the same text.
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in [*range(0x7F, 0xA0), 0x2028, 0x2029]}


#: orjson's two-space indents lay the text out as ``json.dumps(indent=2)`` does, at a small part of the
#: standard library's cost (its C encoder does not indent). Each float is written in its shortest round-trip
#: form; below 1e-4 in orjson's notation (0.0000891, 1e-9) rather than Python's (8.91e-05, 1e-09): the same
#: numbers to any JSON reader.
_ORJSON = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def json_text(result: Result) -> str:
    """The result's JSON contract as text: two-space indents, UTF-8 characters kept (control characters
    escaped), a final newline."""
    text = orjson.dumps(to_dicts(result), option=_ORJSON).decode("utf-8")
    if not text.isascii() or "\x7f" in text:  # only then is there a character to escape
        text = text.translate(_JSON_ESCAPES)
    return text + "\n"


def to_dicts(result: Result) -> dict[str, Any]:
    """The JSON contract of any result."""
    build: Callable[[Any], dict[str, Any]] = _DICTS[result.subject]
    return build(result)


def patient_dict(patient: Patient) -> dict[str, Any]:
    out: dict[str, Any] = {"weight": _value(patient.weight, "kg")}
    if patient.is_reference:
        out["reference_adult"] = True
        out["note"] = REFERENCE_NOTE
    else:
        out["weight_given"] = patient.given
    return out


# --------------------------------------------------------------------------------------- dose tables


#: Each figure of a dose table's row: its attribute, its canonical unit, and pint's units for it (read once).
_DOSE_FIELDS = tuple((column.key, column.unit, units_of(column.unit)) for column in DOSE_COLUMNS)


def dose_row_dict(row: DoseFigures) -> dict[str, Any]:
    """One row of the table's JSON: regimen, sessions, each figure present, notes and worked steps."""
    item: dict[str, Any] = {"regimen": row.regimen, "sessions": row.sessions}
    for key, unit, units in _DOSE_FIELDS:
        q = getattr(row, key)
        if q is not None:
            item[key] = {"value": float(in_unit(q, unit, units)), "unit": unit}
    if row.cap_binds:
        item["uncapped_rate"] = _value(row.uncapped_rate, "mg/h")
    if row.phases:
        item["phases"] = [_phase_dict(phase) for phase in row.phases]
    if row.crossings:
        item["limits_crossed"] = [
            {
                "level": c.limit.level,
                "figure": c.limit.figure,
                "phase": c.phase,
                "value": _value(c.value, unit),
                "limit": _value(c.limit.above, unit),
                "source": c.limit.source.citation,
            }
            for c in row.crossings
            for unit in [LIMIT_UNITS[c.limit.figure]]
        ]
    if row.outside_population:
        item["outside_population"] = True
    item["notes"] = words.row_notes(row)
    if row.steps:
        item["steps"] = _steps(row)
    return item


def _phase_dict(phase: Any) -> dict[str, Any]:
    """One phase of a row: its number and type, when it runs, what it gives, and its rate (None: at once)."""
    return {
        "phase": phase.number,
        "type": phase.kind,
        "start": _value(phase.start, "h"),
        "end": _value(phase.end, "h"),
        "dose": _value(phase.amount, "mg"),
        "rate": None if phase.rate is None else _value(phase.rate, "mg/h"),
    }


def _dose_table(result: DoseTable) -> dict[str, Any]:
    """One patient: ``disclaimer``, ``patient``, ``rows``. Several: ``disclaimer`` and ``tables``, one
    ``{"patient", "rows"}`` object per patient in the order given."""
    tables = [
        {"patient": patient_dict(patient), "rows": [dose_row_dict(row) for row in rows]}
        for patient, rows in result.groups
    ]
    if len(tables) == 1:
        return {"disclaimer": DISCLAIMER, **tables[0]}
    return {"disclaimer": DISCLAIMER, "tables": tables}


def _steps(figures: DoseFigures) -> list[dict[str, Any]]:
    """Worked steps as data: the figure, the sentence, and each term and the result as value/unit."""
    return [
        {
            "figure": step.figure,
            "text": text,
            "terms": [{"value": float(t.magnitude), "unit": words.unit_label(t)} for t in step.terms],
            "operators": list(step.operators),
            "result": {"value": float(step.result.magnitude), "unit": words.unit_label(step.result)},
        }
        for step, text in zip(figures.steps, words.step_lines(figures.steps), strict=True)
    ]


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]], raw: bool | None = None) -> str:
    """CSV text: a header and rows, each text cell made safe for spreadsheets (:func:`dosecalc.cells.safe_cell`)
    unless ``raw`` (default: :data:`RAW_CSV`); numbers are written as they are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    if raw if raw is not None else RAW_CSV.get():
        writer.writerows(rows)
    else:
        writer.writerows([safe_cell(c) if isinstance(c, str) else c for c in row] for row in rows)
    return buffer.getvalue()


def _full(q: Quantity | None, unit: str) -> str:
    return "" if q is None else repr(float(magnitude_in(q, unit)))


def _no_steps(rows: Sequence[DoseFigures]) -> None:
    """CSV has no room for worked steps: refused rather than dropped without a word."""
    if any(row.steps for row in rows):
        from ..errors import DoseCalcError

        raise DoseCalcError("worked steps come as table, markdown, html or json, not csv", field="explain")


def dose_csv(result: DoseTable) -> str:
    """One header row, units in the column names, full precision; notes joined with ' | '."""
    rows = result.rows
    _no_steps(rows)
    columns = present(DOSE_COLUMNS, rows)
    header = ["regimen", "weight_kg", "sessions", *(c.csv for c in columns)]
    header += ["uncapped_rate_mg_per_h", "cap_binds", "notes"]
    return _csv(
        header,
        (
            [
                row.regimen,
                _full(row.weight, "kg"),
                row.sessions,
                *(_full(getattr(row, c.key), c.unit) for c in columns),
                _full(row.uncapped_rate, "mg/h"),
                "yes" if row.cap_binds else "no",
                " | ".join(words.row_notes(row)),
            ]
            for row in rows
        ),
    )


# --------------------------------------------------------------------------------------- schedules


def _schedule(result: ScheduleTable) -> dict[str, Any]:
    schedule = result.schedule
    fig = schedule.figures
    columns = schedule_columns(result)
    arrays = [getattr(schedule, c.key).to(c.unit).magnitude for c in columns]
    rows = [
        {c.key: {"value": float(a[i]), "unit": c.unit} for c, a in zip(columns, arrays, strict=True)}
        for i in range(schedule.rows)
    ]
    document: dict[str, Any] = {
        "disclaimer": DISCLAIMER,
        "regimen": fig.regimen,
        "patient": patient_dict(result.patient),
        "step": _value(schedule.step, "h"),
        "rows": rows,
        "notes": words.row_notes(fig),
    }
    if fig.steps:
        document["steps"] = _steps(fig)
    return document


def schedule_csv(result: ScheduleTable) -> str:
    _no_steps([result.schedule.figures])
    columns = schedule_columns(result)
    arrays = [getattr(result.schedule, c.key).to(c.unit).magnitude for c in columns]
    return _csv([c.csv for c in columns], ([repr(float(a[i])) for a in arrays] for i in range(result.schedule.rows)))


# --------------------------------------------------------------------------------------- regimen cards


def _canonical(key: str) -> str:
    """The canonical unit of a card's quantity field."""
    return {**DOSE_UNITS, "max_rate": "mg/h", "duration": "h", "minimum_duration": "h"}[key]


#: Canonical units of the quantity fields of phases and populations.
_PHASE_UNITS = {"dose": "mg", "dose_per_kg": "mg/kg", "over": "h", "rate": "mg/h", "rate_per_kg": "mg/kg/h"}
_PHASE_UNITS |= {"start_rate": "mg/h", "step": "mg/h", "every": "h", "min_weight": "kg", "max_weight": "kg"}
_PHASE_UNITS |= {"amount": "mg", "volume": "mL"}


def _quantities(data: dict[str, Any]) -> dict[str, Any]:
    """A dumped card with each quantity, in its phases and population too, as value and canonical unit."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, pint.Quantity):
            out[key] = _value(value, _PHASE_UNITS.get(key) or _canonical(key))
        elif isinstance(value, dict):
            out[key] = _quantities(value)
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            out[key] = [_quantities(item) for item in value]
        else:
            out[key] = value
    return out


def card_dict(card: Card, origin: Any) -> dict[str, Any]:
    data: dict[str, Any] = _quantities(card.model_dump(mode="python"))
    if card.preparation is not None:
        data["preparation"] = {
            "amount": _value(card.preparation.amount, "mg"),
            "volume": _value(card.preparation.volume, "mL"),
            "concentration": _value(card.preparation.concentration, "mg/mL"),
        }
    data["notes"] = [note.text for note in card.notes]  # the full texts, as before notes had a brief form
    data["notes_brief"] = [note.short for note in card.notes]
    data["file"] = path_text(origin)  # a name that is not UTF-8 is shown with \\x escapes
    return data


def _cards(result: CardList) -> dict[str, Any]:
    catalogue = result.catalogue
    cards = [card_dict(card, catalogue.origins[card.id]) for card in catalogue.cards.values()]
    return {"disclaimer": DISCLAIMER, "regimens": cards}


def _card(result: CardDetail) -> dict[str, Any]:
    return {"disclaimer": DISCLAIMER, "regimen": card_dict(result.card, result.origin)}


def cards_csv(result: CardList) -> str:
    header = ["id", "title", "kind", "dose", "dose_unit", "duration_h", "minimum_duration_h", "sessions"]
    header += ["max_rate_mg_per_h", "indication"]
    rows = []
    for card in result:
        unit = dose_unit(card)
        rows.append(
            [
                card.id,
                card.title,
                card.kind,
                _full(documented_dose(card), unit),
                unit,
                _full(card.duration, "h"),
                _full(card.minimum_duration, "h"),
                card.sessions,
                _full(card.max_rate, "mg/h"),
                card.indication,
            ]
        )
    return _csv(header, rows)


# --------------------------------------------------------------------------------------- simulations


def _summary(summary: ConcentrationSummary) -> dict[str, Any]:
    half = summary.half_time_after_end
    return {
        "peak_concentration": _value(summary.peak_concentration, "ng/mL"),
        "time_of_peak": _value(summary.time_of_peak, "h"),
        "end_of_session_concentration": [_value(c, "ng/mL") for c in summary.end_of_session],
        "trough_before_next_session": [_value(c, "ng/mL") for c in summary.trough_before_next],
        "half_time_after_end": None if half is None else _value(half, "h"),
    }


def _run(run: Run) -> dict[str, Any]:
    times = run.simulation.time.to("h").magnitude
    conc = run.simulation.concentration.to("ng/mL").magnitude
    return {
        "regimen": run.figures.regimen,
        "course": {
            "rate": _value(run.course.rate, "mg/h"),
            "duration": _value(run.course.duration, "h"),
            "sessions": run.course.sessions,
            "interval": _value(run.course.interval, "h"),
            **({"phases": [_phase_dict(phase) for phase in run.figures.phases]} if run.figures.phases else {}),
        },
        "rows": [
            {"time": {"value": float(t), "unit": "h"}, "concentration": {"value": float(c), "unit": "ng/mL"}}
            for t, c in zip(times, conc, strict=True)
        ],
        "summary": _summary(run.summary),
        "notes": simulation_notes(run),
    }


def _simulation(result: SimulationTable) -> dict[str, Any]:
    """``disclaimer``, ``model``, ``patient``, then the first regimen's ``regimen``, ``course``, ``rows``,
    ``summary`` and ``notes``; the compared regimens under ``comparisons`` in the same shape."""
    first, *others = result.runs
    model = first.model
    document: dict[str, Any] = {
        "disclaimer": DISCLAIMER,
        "model": {"id": model.id, "title": model.title, "drug": model.drug, "population": model.population},
        "patient": patient_dict(result.patient),
        **_run(first),
    }
    if others:
        document["comparisons"] = [_run(run) for run in others]
    return document


def simulation_csv(result: SimulationTable) -> str:
    runs = result.runs
    columns = [run.simulation.concentration.to("ng/mL").magnitude for run in runs]
    return _csv(
        ["time_h", *(f"concentration_ng_per_ml_{run.figures.regimen}" for run in runs)],
        ([repr(float(t)), *(repr(float(c[i])) for c in columns)] for i, t in enumerate(result.time.to("h").magnitude)),
    )


# --------------------------------------------------------------------------------------- teaching


def _sheet(result: Sheet) -> dict[str, Any]:
    items = []
    for p in result.problems:
        item: dict[str, object] = {
            "number": p.number,
            "level": p.level,
            "kind": p.kind,
            "regimen": p.regimen,
            "question": p.question,
            "asks": p.figure,
            "unit": p.unit,
        }
        if result.is_key:
            item |= {
                "answer": {"value": p.answer, "unit": p.unit},
                "exact": {"value": p.exact, "unit": p.unit},
                "round_to_places": p.places,
                "factors": p.factors,
                "steps": list(p.steps),
                "given": p.inputs,
            }
        items.append(item)
    return {
        "disclaimer": DISCLAIMER,
        "sheet_code": result.code,
        "seed": result.seed,
        "graded": result.graded,
        "label": result.label,
        "count": len(result.problems),
        "level": result.spec.level,
        "profile": result.convention.name,
        "conventions": result.convention.lines(p.unit for p in result.problems),
        "pound": result.convention.pound,
        "answers": result.is_key,
        "problems": items,
    }


def _sheets(result: Sheets) -> dict[str, Any]:
    return {
        "disclaimer": DISCLAIMER,
        "class_seed": None if result.graded else result.seed,
        "sheets": [{"student": sheet.student} | _sheet(sheet) for sheet in result.sheets],
    }


def roster_csv(result: Sheets) -> str:
    """The class roster: each student and the code of their sheet."""
    return _csv(["student", "sheet"], ([safe_cell(sheet.student or ""), sheet.code] for sheet in result.sheets))


def _read(mark: Mark) -> dict[str, Any] | None:
    if mark.reading is None:
        return None
    return {"value": float(mark.reading.value), "unit": mark.reading.unit}


def _mark(mark: Mark) -> dict[str, Any]:
    p = mark.problem
    return {
        "problem": p.number,
        "kind": p.kind,
        "status": mark.status,
        "given": mark.given,
        "read": _read(mark),
        "in_asked_unit": mark.value,
        "key": {"value": p.answer, "unit": p.unit, "exact": p.exact, "step": float(p.step)},
        "diagnosis": mark.diagnosis,
        "feedback": mark.reason,
        "credit": mark.credit,
        "steps": [] if mark.correct else list(p.steps),
    }


def _marks(result: Marks) -> dict[str, Any]:
    return {
        "disclaimer": DISCLAIMER,
        "student": result.student,
        "sheet_code": result.code,
        "score": {
            "right": result.right,
            "out_of": result.out_of,
            "points": result.score,
            "percent": result.percent,
            "partial_credit": result.partial,
        },
        "rule": result.sheet.convention.lines(p.unit for p in result.sheet.problems),
        "marks": [_mark(m) for m in result.marks],
        "notes": list(result.notes),
    }


_MARK_COLUMNS = [
    "problem", "status", "given", "read_value", "read_unit", "in_asked_unit", "key", "unit", "exact", "diagnosis",
    "credit", "feedback",
]  # fmt: skip


def _mark_row(mark: Mark) -> list[Any]:
    read = _read(mark)
    p = mark.problem
    return [
        p.number,
        mark.status,
        safe_cell(mark.given or ""),
        "" if read is None else repr(read["value"]),
        "" if read is None else read["unit"] or "",
        "" if mark.value is None else repr(mark.value),
        repr(p.answer),
        p.unit,
        repr(p.exact),
        mark.diagnosis or "",
        repr(mark.credit),
        safe_cell(mark.reason),
    ]


def marks_csv(result: Marks) -> str:
    """One row per problem of the sheet, full precision."""
    return _csv(_MARK_COLUMNS, (_mark_row(m) for m in result.marks))


def _class_marks(result: ClassMarks) -> dict[str, Any]:
    return {
        "disclaimer": DISCLAIMER,
        "students": [_marks(marks) for marks in result.students],
        "not_marked": [{"student": r.student, "sheet": r.sheet, "reason": r.reason} for r in result.refused],
        "ignored_columns": list(result.ignored),
        "items": _items(result.item_analysis())["items"],
    }


def gradebook_csv(result: ClassMarks) -> str:
    """The gradebook: student, sheet, score, out_of, percent, then the credit for each problem."""
    width = max((marks.out_of for marks in result.students), default=0)
    header = ["student", "sheet", "score", "out_of", "percent", *map(str, range(1, width + 1)), "note"]
    rows: list[list[Any]] = [
        [
            safe_cell(m.student or ""),
            m.code,
            f"{m.score:g}",
            m.out_of,
            repr(m.percent),
            *(f"{mark.credit:g}" for mark in m.marks),
            *([""] * (width - m.out_of)),
            "",
        ]
        for m in result.students
    ]
    # a student who could not be marked keeps a row, with no score and the reason
    rows += [
        [
            safe_cell(r.student),
            safe_cell(r.sheet or ""),
            "",
            "",
            "",
            *([""] * width),
            safe_cell(f"not marked: {r.reason}"),
        ]
        for r in result.refused
    ]
    return _csv(header, rows)


def _items(result: ItemAnalysis) -> dict[str, Any]:
    return {
        "disclaimer": DISCLAIMER,
        "items": [
            {
                "problem": item.number,
                "kind": item.kind,
                "kinds": list(item.kinds),
                "students": item.students,
                "counts": item.counts,
                "share_right": item.share_right,
                "common_wrong_answers": [
                    {"answer": text, "students": count, "diagnosis": diagnosis}
                    for text, count, diagnosis in item.wrong_answers
                ],
                "errors": [{"diagnosis": words, "students": count} for words, count in item.errors],
            }
            for item in result.items
        ],
    }


def items_csv(result: ItemAnalysis) -> str:
    """Item analysis: a row per problem position and kind."""
    header = [
        "problem", "kind", "students", "right", "wrong", "unreadable", "no_answer", "share_right",
        "common_wrong_answers", "common_errors",
    ]  # fmt: skip
    rows = (
        [
            item.number,
            item.kind,
            item.students,
            *(item.counts[status] for status in ("right", "wrong", "unreadable", "no answer")),
            repr(item.share_right),
            safe_cell("; ".join(f"{text} (x{count})" for text, count, _ in item.wrong_answers)),
            "; ".join(f"{words} (x{count})" for words, count in item.errors),
        ]
        for item in result.items
    )
    return _csv(header, rows)


def bad_rows_csv(rows: Sequence[BadRow], raw: bool = False) -> str:
    """Refused cohort rows as CSV: row, id, field, given, reason (text cells neutralised unless ``raw``)."""
    return _csv(
        ["row", "id", "field", "given", "reason"], ([r.row, r.id, r.field, r.given, r.reason] for r in rows), raw
    )


_DICTS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "cards": _cards,
    "card": _card,
    "dose_table": _dose_table,
    "schedule": _schedule,
    "simulation": _simulation,
    "sheet": _sheet,
    "marks": _marks,
    "sheets": _sheets,
    "class_marks": _class_marks,
    "items": _items,
}
