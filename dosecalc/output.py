"""Writers: results as a terminal table, Markdown, CSV or JSON, and whole-or-nothing file writes.

Machine formats (JSON, CSV) keep full precision in canonical units; the table and Markdown formats use
:mod:`dosecalc.display` for rounding and carry the disclaimer.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, NamedTuple

import pint

from . import display
from .dosing import DoseFigures, Patient
from .errors import DoseCalcError
from .regimens import DOSE_FIELDS, DOSE_UNITS, Card, Catalogue, documented_dose
from .schedule import Schedule
from .units import Quantity


class Column(NamedTuple):
    """One figure of a result: where it lives, its canonical unit, and its names in each format."""

    key: str
    unit: str
    csv: str
    header: str


DOSE_COLUMNS = (
    Column("rate", "mg/h", "rate_mg_per_h", "Rate"),
    Column("rate_per_kg", "mg/kg/h", "rate_mg_per_kg_per_h", "Rate per kg"),
    Column("duration", "h", "duration_h", "Duration"),
    Column("total_dose", "mg", "total_dose_mg", "Dose per session"),
    Column("total_dose_per_kg", "mg/kg", "total_dose_mg_per_kg", "Dose per kg"),
    Column("course_total_dose", "mg", "course_total_dose_mg", "Course total"),
    Column("concentration", "mg/mL", "concentration_mg_per_ml", "Concentration"),
    Column("pump_rate", "mL/h", "pump_rate_ml_per_h", "Pump rate"),
    Column("volume", "mL", "volume_ml", "Volume per session"),
    Column("drip_rate", "gtt/min", "drip_rate_gtt_per_min", "Drip rate"),
)

SCHEDULE_COLUMNS = (
    Column("time", "h", "time_h", "Time"),
    Column("rate", "mg/h", "rate_mg_per_h", "Rate"),
    Column("step_dose", "mg", "step_dose_mg", "Dose in step"),
    Column("cumulative_dose", "mg", "cumulative_dose_mg", "Cumulative dose"),
    Column("cumulative_dose_per_kg", "mg/kg", "cumulative_dose_mg_per_kg", "Cumulative per kg"),
    Column("pump_rate", "mL/h", "pump_rate_ml_per_h", "Pump rate"),
    Column("cumulative_volume", "mL", "cumulative_volume_ml", "Cumulative volume"),
)


def _value(q: Quantity, unit: str) -> dict[str, Any]:
    return {"value": float(q.to(unit).magnitude), "unit": unit}


def _present(columns: Sequence[Column], rows: Sequence[Any]) -> list[Column]:
    return [c for c in columns if any(getattr(row, c.key) is not None for row in rows)]


def _patient(patient: Patient) -> dict[str, Any]:
    out: dict[str, Any] = {"weight": _value(patient.weight, "kg")}
    if patient.is_reference:
        out["reference_adult"] = True
        out["note"] = "No --weight given: a 70 kg reference adult is used."
    else:
        out["weight_given"] = patient.given
    return out


def patient_line(patient: Patient) -> str:
    kg = display.show(patient.weight, "kg")
    if patient.is_reference:
        return f"Patient: {kg} (reference adult: no --weight given)"
    given = " ".join(str(patient.given).split())
    same = given.replace(" ", "") == kg.replace(" ", "")
    return f"Patient: {kg}" if same else f"Patient: {given} = {kg}"


# --------------------------------------------------------------------------------------- dose tables


def present_columns(rows: Sequence[DoseFigures]) -> list[Column]:
    """The dose-table columns that at least one row has a figure for."""
    return _present(DOSE_COLUMNS, rows)


def dose_json(rows: Sequence[DoseFigures], patient: Patient) -> str:
    """The JSON contract of ``dosecalc table``: disclaimer, patient and one object per regimen."""
    out_rows = []
    for row in rows:
        item: dict[str, Any] = {"regimen": row.plan.card.id, "sessions": row.sessions}
        for column in DOSE_COLUMNS:
            q = getattr(row, column.key)
            if q is not None:
                item[column.key] = _value(q, column.unit)
        if row.cap_binds:
            item["uncapped_rate"] = _value(row.uncapped_rate, "mg/h")
        item["notes"] = display.row_notes(row)
        if row.steps:
            item["steps"] = _steps_json(row)
        out_rows.append(item)
    document = {"disclaimer": display.DISCLAIMER, "patient": _patient(patient), "rows": out_rows}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _steps_json(figures: DoseFigures) -> list[dict[str, Any]]:
    """Worked steps as data: the figure, the sentence, and each term and the result as value/unit."""
    return [
        {
            "figure": step.figure,
            "text": display.step_text(step),
            "terms": [{"value": float(t.magnitude), "unit": display.unit_label(t)} for t in step.terms],
            "operators": list(step.operators),
            "result": {"value": float(step.result.magnitude), "unit": display.unit_label(step.result)},
        }
        for step in figures.steps
    ]


def _steps_lines(rows: Sequence[DoseFigures], schedule: bool = False) -> list[str]:
    lines = []
    for row in rows:
        if not row.steps:
            continue
        lines.append(f"{row.plan.card.id}:")
        lines += [f"  {number}. {display.step_text(step)}" for number, step in enumerate(row.steps, 1)]
        if schedule:
            lines.append(
                f"  {len(row.steps) + 1}. cumulative dose at elapsed time t: {display.step_term(row.rate, 'rate')}"
                " \u00d7 t (the last row is the dose per session)"
            )
    return lines


def dose_csv(rows: Sequence[DoseFigures]) -> str:
    """One header row, units in the column names, full precision; notes joined with ' | '."""
    columns = _present(DOSE_COLUMNS, rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["regimen", "weight_kg", "sessions", *(c.csv for c in columns), "uncapped_rate_mg_per_h", "cap_binds", "notes"]
    )
    for row in rows:
        cells = [row.plan.card.id, repr(float(row.weight.to("kg").magnitude)), row.sessions]
        for column in columns:
            q = getattr(row, column.key)
            cells.append("" if q is None else repr(float(q.to(column.unit).magnitude)))
        cells.append(repr(float(row.uncapped_rate.to("mg/h").magnitude)))
        cells.append("yes" if row.cap_binds else "no")
        cells.append(" | ".join(display.row_notes(row)))
        writer.writerow(cells)
    return buffer.getvalue()


def dose_cells(row: DoseFigures, columns: Sequence[Column]) -> list[str]:
    cells = [row.plan.card.id]
    for column in columns:
        q = getattr(row, column.key)
        if column.key == "rate" and row.cap_binds:
            cells.append(f"{display.magnitude(q, column.unit)} (cap)")
        elif column.key == "course_total_dose":
            cells.append(f"{display.magnitude(q, column.unit)} ({row.sessions} x)")
        else:
            cells.append("-" if q is None else display.magnitude(q, column.unit))
    return cells


def numbered_notes(rows: Sequence[DoseFigures]) -> list[str]:
    lines = []
    for row in rows:
        for note in display.row_notes(row):
            lines.append(f"{row.plan.card.id}: {note}")
    return lines


def dose_markdown(rows: Sequence[DoseFigures], patient: Patient) -> str:
    columns = _present(DOSE_COLUMNS, rows)
    headers = ["Regimen", *(f"{c.header} ({c.unit})" for c in columns)]
    lines = [f"> **{display.DISCLAIMER}**", "", patient_line(patient), ""]
    lines += _markdown_table(headers, [dose_cells(row, columns) for row in rows])
    notes = numbered_notes(rows)
    if notes:
        lines += ["", "Notes:", ""] + [f"- {_md_escape(note)}" for note in notes]
    lines += _steps_markdown(rows)
    return "\n".join(lines) + "\n"


def _steps_markdown(rows: Sequence[DoseFigures], schedule: bool = False) -> list[str]:
    steps = _steps_lines(rows, schedule)
    if not steps:
        return []
    out = ["", "Worked steps:", ""]
    for line in steps:
        out.append(f"**{line[:-1]}**" if not line.startswith("  ") else f"   {line.strip()}")
        if not line.startswith("  "):
            out.append("")
    return out


def dose_table(rows: Sequence[DoseFigures], patient: Patient) -> Any:
    """A rich renderable: the disclaimer, the patient, the table and the notes."""
    columns = _present(DOSE_COLUMNS, rows)
    headers = ["Regimen", *(f"{c.header}\n({c.unit})" for c in columns)]
    notes = numbered_notes(rows)
    body = [dose_cells(r, columns) for r in rows]
    return _rich_block(patient_line(patient), headers, body, notes, _steps_lines(rows))


# --------------------------------------------------------------------------------------- schedules


def _schedule_columns(schedule: Schedule) -> list[Column]:
    return [c for c in SCHEDULE_COLUMNS if getattr(schedule, c.key) is not None]


def schedule_json(schedule: Schedule, patient: Patient) -> str:
    fig = schedule.figures
    columns = _schedule_columns(schedule)
    rows = [
        {c.key: {"value": float(getattr(schedule, c.key).to(c.unit).magnitude[i]), "unit": c.unit} for c in columns}
        for i in range(schedule.rows)
    ]
    document = {
        "disclaimer": display.DISCLAIMER,
        "regimen": fig.plan.card.id,
        "patient": _patient(patient),
        "step": _value(schedule.step, "h"),
        "rows": rows,
        "notes": display.row_notes(fig),
    }
    if fig.steps:
        document["steps"] = _steps_json(fig)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def schedule_csv(schedule: Schedule) -> str:
    columns = _schedule_columns(schedule)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.csv for c in columns])
    arrays = [getattr(schedule, c.key).to(c.unit).magnitude for c in columns]
    for i in range(schedule.rows):
        writer.writerow([repr(float(a[i])) for a in arrays])
    return buffer.getvalue()


def schedule_cells(schedule: Schedule) -> tuple[list[str], list[list[str]]]:
    columns = _schedule_columns(schedule)
    headers = ["Time (h:mm)", *(f"{c.header} ({c.unit})" for c in columns[1:])]
    body = []
    hours = schedule.time.to("h").magnitude
    for i in range(schedule.rows):
        cells = [display.clock(hours[i])]
        cells += [display.magnitude(getattr(schedule, c.key)[i], c.unit) for c in columns[1:]]
        body.append(cells)
    return headers, body


def _schedule_title(schedule: Schedule, patient: Patient) -> str:
    fig = schedule.figures
    card = fig.plan.card
    return (
        f"{card.id}: {card.title}\n{patient_line(patient)}; "
        f"{display.show(fig.rate, 'mg/h')} for {display.duration(fig.duration)}, "
        f"total {display.show(fig.total_dose, 'mg')}; step {display.duration(schedule.step)}"
    )


def schedule_markdown(schedule: Schedule, patient: Patient) -> str:
    headers, body = schedule_cells(schedule)
    lines = [f"> **{display.DISCLAIMER}**", "", *_schedule_title(schedule, patient).split("\n"), ""]
    lines += _markdown_table(headers, body)
    notes = display.row_notes(schedule.figures)
    if notes:
        lines += ["", "Notes:", ""] + [f"- {_md_escape(n)}" for n in notes]
    lines += _steps_markdown([schedule.figures], schedule=True)
    return "\n".join(lines) + "\n"


def schedule_table(schedule: Schedule, patient: Patient) -> Any:
    headers, body = schedule_cells(schedule)
    steps = _steps_lines([schedule.figures], schedule=True)
    return _rich_block(_schedule_title(schedule, patient), headers, body, display.row_notes(schedule.figures), steps)


# --------------------------------------------------------------------------------------- regimen cards


def _card_summary(card: Card) -> list[str]:
    return [
        card.id,
        card.title,
        card.kind,
        display.documented_dose_text(documented_dose(card), card.kind),
        display.duration(card.duration) + (" (minimum)" if card.minimum_duration is not None else ""),
        str(card.sessions),
        display.show(card.max_rate, "mg/h") if card.max_rate is not None else "-",
        card.sources[0].citation.split(".")[0] if card.sources else "",
    ]


CARD_HEADERS = ["ID", "Title", "Kind", "Documented dose", "Duration", "Sessions", "Rate cap", "First source"]


def regimens_json(catalogue: Catalogue) -> str:
    cards = [card.model_dump(mode="python") for card in catalogue.cards.values()]
    for data, card in zip(cards, catalogue.cards.values(), strict=True):
        for key, value in list(data.items()):
            if isinstance(value, pint.Quantity):
                data[key] = _value(value, _canonical(key))
        if card.preparation is not None:
            data["preparation"] = {
                "amount": _value(card.preparation.amount, "mg"),
                "volume": _value(card.preparation.volume, "mL"),
                "concentration": _value(card.preparation.concentration, "mg/mL"),
            }
        data["file"] = str(catalogue.origins[card.id])
    return json.dumps({"disclaimer": display.DISCLAIMER, "regimens": cards}, indent=2, ensure_ascii=False) + "\n"


def _canonical(key: str) -> str:
    """The canonical unit of a card's quantity field."""
    return {**DOSE_UNITS, "max_rate": "mg/h", "duration": "h", "minimum_duration": "h"}[key]


def regimens_csv(catalogue: Catalogue) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "id",
            "title",
            "kind",
            "dose",
            "dose_unit",
            "duration_h",
            "minimum_duration_h",
            "sessions",
            "max_rate_mg_per_h",
            "indication",
        ]
    )
    for card in catalogue.cards.values():
        dose_key = DOSE_FIELDS[card.kind]
        unit = _canonical(dose_key)
        writer.writerow(
            [
                card.id,
                card.title,
                card.kind,
                repr(float(documented_dose(card).to(unit).magnitude)),
                unit,
                repr(float(card.duration.to("h").magnitude)),
                "" if card.minimum_duration is None else repr(float(card.minimum_duration.to("h").magnitude)),
                card.sessions,
                "" if card.max_rate is None else repr(float(card.max_rate.to("mg/h").magnitude)),
                card.indication,
            ]
        )
    return buffer.getvalue()


def regimens_markdown(catalogue: Catalogue) -> str:
    lines = [f"> **{display.DISCLAIMER}**", ""]
    lines += _markdown_table(CARD_HEADERS, [_card_summary(c) for c in catalogue.cards.values()])
    return "\n".join(lines) + "\n"


def regimens_table(catalogue: Catalogue) -> Any:
    return _rich_block("Regimen cards", CARD_HEADERS, [_card_summary(c) for c in catalogue.cards.values()], [])


def card_text(card: Card, origin: Path) -> str:
    """One card in full, for ``dosecalc show``: plain text that reads well in a terminal or a file."""
    lines = [display.DISCLAIMER, "", f"{card.title}", f"id: {card.id}   kind: {card.kind}   file: {origin}"]
    lines.append(f"Indication: {card.indication}")
    lines.append(f"Documented dose: {display.documented_dose_text(documented_dose(card), card.kind)}")
    lines.append(f"Duration: {display.duration(card.duration)}")
    if card.minimum_duration is not None:
        lines.append(f"Minimum duration: {display.duration(card.minimum_duration)}")
    if card.max_rate is not None:
        lines.append(f"Rate cap: {display.show(card.max_rate, 'mg/h')}")
    lines.append(f"Sessions in the documented course: {card.sessions}")
    if card.preparation is not None:
        p = card.preparation
        lines.append(
            f"Documented preparation: {display.show(p.amount, 'mg')} in {display.show(p.volume, 'mL')} "
            f"({display.show(p.concentration, 'mg/mL')})"
        )
    lines += ["", "Sources:"]
    for number, source in enumerate(card.sources, 1):
        lines.append(f"  [{number}] {source.citation}")
        lines.append(f"      {source.says}")
        if source.link:
            lines.append(f"      {source.link}")
    if card.notes:
        lines += ["", "Notes:"] + [f"  - {note}" for note in card.notes]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------- shared pieces


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _markdown_table(headers: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md_escape(h) for h in headers) + " |"]
    lines.append("|" + "|".join(":---" if i == 0 else "---:" for i in range(len(headers))) + "|")
    lines += ["| " + " | ".join(_md_escape(cell) for cell in row) + " |" for row in body]
    return lines


def _rich_block(
    title: str,
    headers: Sequence[str],
    body: Sequence[Sequence[str]],
    notes: Sequence[str],
    steps: Sequence[str] = (),
) -> Any:
    from rich.console import Group  # rich is imported only when a terminal table is drawn
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False, header_style="bold")
    for i, header in enumerate(headers):
        table.add_column(header, justify="left" if i == 0 else "right", overflow="fold", no_wrap=i == 0)
    for row in body:
        table.add_row(*row)
    parts: list[Any] = [Text(display.DISCLAIMER, style="bold"), Text(title), table]
    if notes:
        parts.append(Text("Notes:\n" + "\n".join(f"- {note}" for note in notes)))
    if steps:
        parts.append(Text("Worked steps:\n" + "\n".join(steps)))
    parts.append(Text(display.DISCLAIMER, style="dim"))
    return Group(*parts)


def render_rich(renderable: Any, *, width: int | None = None, color: bool = False) -> str:
    """Render a rich renderable to text (no colour unless asked)."""
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


@contextmanager
def atomic_writer(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    """A text file that appears at ``path`` only when the ``with`` block ends without an error: written to
    a temporary file in the same folder, then renamed over ``path``. On any error nothing is left behind."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DoseCalcError(f"folder {folder} does not exist; create it first", field="--output")
    if path.is_dir():
        raise DoseCalcError(f"{path} is a folder; give a file name", field="--output")
    try:
        options: dict[str, Any] = {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": ""}
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, renamed or removed by hand
            dir=folder, prefix=f".{path.name}.", suffix=".tmp", delete=False, **options
        )
    except OSError as error:
        raise DoseCalcError(f"cannot write in {folder} ({error.strerror})", field="--output") from None
    try:
        umask = os.umask(0)  # a temporary file is private; the finished file gets the usual permissions
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException as error:
        Path(handle.name).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise DoseCalcError(f"cannot write {path} ({error.strerror})", field="--output") from None
        raise


@contextmanager
def background_writes(handle: IO[str]) -> Iterator[Callable[[str], None]]:
    """A ``write`` function that hands each piece of text to a thread, so that a large output is written
    to the file while the next piece is being computed. Pieces are written in order; an error in the
    thread is raised here when the block ends."""
    import queue
    import threading

    pieces: queue.Queue[str | None] = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def drain() -> None:
        while (piece := pieces.get()) is not None:
            if not failure:
                try:
                    handle.write(piece)
                except BaseException as error:  # reported by the caller's thread below
                    failure.append(error)

    thread = threading.Thread(target=drain, name="dosecalc-writer", daemon=True)
    thread.start()

    def write(piece: str) -> None:
        if failure:
            raise failure[0]
        pieces.put(piece)

    try:
        yield write
    finally:
        pieces.put(None)
        thread.join()
    if failure:
        raise failure[0]


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text, or bytes such as a PNG) to ``path`` whole or not at all."""
    with atomic_writer(path, binary=isinstance(content, bytes)) as handle:
        handle.write(content)


# --------------------------------------------------------------------------------------- simulations


def _simulation_notes(run: Any) -> list[str]:
    notes = [
        f"Model: {run.model.title}. Population: {run.model.population}. A population-model estimate for "
        "teaching, not a prediction for any patient."
    ]
    card = run.figures.plan.card
    drug = card.primary_trial_drug
    if drug is not None and drug.lower() != run.model.drug.lower():
        notes.append(
            f"The trial behind {card.id} used {drug}; the {run.model.id} model describes {run.model.drug}, "
            "so it does not match that drug."
        )
    if run.course.sessions < card.sessions:
        notes.append(
            f"Simulated {run.course.sessions} of the card's {card.sessions} sessions; use --sessions "
            f"{card.sessions} for the whole course."
        )
    return notes


def _summary_json(summary: Any) -> dict[str, Any]:
    return {
        "peak_concentration": _value(summary.peak_concentration, "ng/mL"),
        "time_of_peak": _value(summary.time_of_peak, "h"),
        "end_of_session_concentration": [_value(c, "ng/mL") for c in summary.end_of_session],
        "trough_before_next_session": [_value(c, "ng/mL") for c in summary.trough_before_next],
        "half_time_after_end": None
        if summary.half_time_after_end is None
        else _value(summary.half_time_after_end, "h"),
    }


def simulation_json(runs: Sequence[Any], patient: Patient) -> str:
    """``disclaimer``, ``model``, ``regimen``, ``patient``, ``rows`` (time, concentration) and ``summary``
    for the first regimen; with --compare, the others under ``comparisons`` in the same shape."""

    def one(run: Any) -> dict[str, Any]:
        times = run.simulation.time.to("h").magnitude
        conc = run.simulation.concentration.to("ng/mL").magnitude
        return {
            "regimen": run.figures.plan.card.id,
            "course": {
                "rate": _value(run.course.rate, "mg/h"),
                "duration": _value(run.course.duration, "h"),
                "sessions": run.course.sessions,
                "interval": _value(run.course.interval, "h"),
            },
            "rows": [
                {"time": {"value": float(t), "unit": "h"}, "concentration": {"value": float(c), "unit": "ng/mL"}}
                for t, c in zip(times, conc, strict=True)
            ],
            "summary": _summary_json(run.summary),
            "notes": _simulation_notes(run),
        }

    first, *others = runs
    document: dict[str, Any] = {
        "disclaimer": display.DISCLAIMER,
        "model": {
            "id": first.model.id,
            "title": first.model.title,
            "drug": first.model.drug,
            "population": first.model.population,
        },
        "patient": _patient(patient),
        **one(first),
    }
    if others:
        document["comparisons"] = [one(run) for run in others]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def simulation_csv(runs: Sequence[Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["time_h", *(f"concentration_ng_per_ml_{run.figures.plan.card.id}" for run in runs)])
    columns = [run.simulation.concentration.to("ng/mL").magnitude for run in runs]
    for i, t in enumerate(runs[0].simulation.time.to("h").magnitude):
        writer.writerow([repr(float(t)), *(repr(float(c[i])) for c in columns)])
    return buffer.getvalue()


def _simulation_summary_lines(run: Any) -> list[str]:
    s = run.summary
    card = run.figures.plan.card
    lines = [
        f"{card.id}: {display.show(run.course.rate, 'mg/h')} for {display.duration(run.course.duration)}"
        + (
            f", {run.course.sessions} sessions every {display.duration(run.course.interval)}"
            if run.course.sessions > 1
            else ""
        ),
        f"  peak {display.significant(float(s.peak_concentration.to('ng/mL').magnitude))} ng/mL at "
        f"{display.clock(float(s.time_of_peak.to('h').magnitude))} (h:mm)",
        "  end of each session: "
        + ", ".join(f"{display.significant(float(c.to('ng/mL').magnitude))} ng/mL" for c in s.end_of_session),
    ]
    if s.trough_before_next:
        lines.append(
            "  trough before the next session: "
            + ", ".join(f"{display.significant(float(c.to('ng/mL').magnitude))} ng/mL" for c in s.trough_before_next)
        )
    if s.half_time_after_end is not None:
        minutes = float(s.half_time_after_end.to("min").magnitude)
        lines.append(f"  falls by half {display.number(minutes, 0)} min after the end of the last infusion")
    return lines


def _simulation_body(runs: Sequence[Any]) -> tuple[list[str], list[list[str]]]:
    headers = ["Time (h:mm)", *(f"{run.figures.plan.card.id} (ng/mL)" for run in runs)]
    hours = runs[0].simulation.time.to("h").magnitude
    columns = [run.simulation.concentration.to("ng/mL").magnitude for run in runs]
    body = [
        [display.clock(float(h)), *(display.significant(float(c[i])) for c in columns)] for i, h in enumerate(hours)
    ]
    return headers, body


def simulation_table(runs: Sequence[Any], patient: Patient) -> Any:
    headers, body = _simulation_body(runs)
    title = [f"Predicted plasma concentration ({runs[0].model.id} model); {patient_line(patient)}"]
    for run in runs:
        title += _simulation_summary_lines(run)
    notes = list(dict.fromkeys(note for run in runs for note in _simulation_notes(run)))
    return _rich_block("\n".join(title), headers, body, notes)
