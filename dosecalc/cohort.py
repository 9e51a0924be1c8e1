"""Cohorts: the dose table for every patient of a CSV file, streamed in chunks.

Each chunk of patients becomes one numpy array of weights inside a pint quantity and goes through the
same :func:`dosecalc.dosing.calculate` as a single patient, so a cohort row equals the ``table`` row for
that patient. Weight texts of the common ``NUMBER UNIT`` shape are read without pint: the numbers are
converted by numpy and each distinct unit word costs one pint conversion per chunk; any other text goes
through the strict parser, which accepts it or says why not.

Memory stays flat with the number of patients: a chunk is read, computed, written and dropped; the
only thing kept across chunks is one 64-bit hash per patient id (for duplicate ids).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

from .dosing import Plan, calculate
from .errors import DoseCalcError, QuantityError
from .units import MAX_TEXT_LENGTH, Q_, WEIGHT, parse_quantity, unit_for

CHUNK_SIZE = 50_000

#: The output columns, in order; the pump columns follow when a concentration applies.
COLUMNS = (
    "id",
    "regimen",
    "weight_kg",
    "rate_mg_per_h",
    "rate_mg_per_kg_per_h",
    "duration_h",
    "total_dose_mg",
    "total_dose_mg_per_kg",
    "course_total_dose_mg",
)
PUMP_COLUMNS = ("pump_rate_ml_per_h", "volume_ml")

_SIMPLE = re.compile(r"([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?) ?([A-Za-z]+)", re.ASCII)


@dataclass(frozen=True)
class BadRow:
    """A patient row that was refused: where, which patient, and why."""

    line: int
    id: str
    field: str
    given: str
    reason: str

    def __str__(self) -> str:
        who = f"id {self.id!r}" if self.id else "no id"
        return f"line {self.line} ({who}): {self.field}: {self.reason}"


@dataclass
class Summary:
    patients: int = 0
    computed: int = 0
    refused: int = 0
    ignored_columns: list[str] = field(default_factory=list)


def _format(values: np.ndarray) -> list[str]:
    """Full-precision text (Python's shortest round-trip repr) for each float, formatting each distinct
    value once: constant columns and repeated weights cost one repr, not one per row."""
    flat = np.asarray(values, dtype=float).ravel()
    if flat.size > 64:
        unique, inverse = np.unique(flat, return_inverse=True)
        if unique.size * 2 < flat.size:
            texts = [repr(v) for v in unique.tolist()]
            return [texts[i] for i in inverse.tolist()]
    return [repr(v) for v in flat.tolist()]


def _csv_field(text: str) -> str:
    if any(ch in text for ch in ',"\r\n') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def _header(reader: Iterator[list[str]]) -> tuple[int, int, int, list[str]]:
    try:
        header = next(reader)
    except StopIteration:
        raise DoseCalcError("is empty; expected a CSV file with a header row 'id,weight'", field="PATIENTS") from None
    names = [name.strip().lower() for name in header]
    missing = [name for name in ("id", "weight") if name not in names]
    if missing:
        hint = ""
        if len(header) == 1 and ";" in header[0]:
            hint = "; the file seems to use ';' between columns: save it as comma-separated values"
        raise DoseCalcError(
            f"has no {' or '.join(repr(m) for m in missing)} column (header: {','.join(header)[:60]!r}){hint}",
            field="PATIENTS",
        )
    for name in ("id", "weight"):
        if names.count(name) > 1:
            raise DoseCalcError(f"has more than one {name!r} column", field="PATIENTS")
    extra = [h for h, n in zip(header, names, strict=True) if n not in ("id", "weight")]
    return names.index("id"), names.index("weight"), len(header), extra


def _read_weights(texts: Sequence[str]) -> tuple[np.ndarray, list[str | None]]:
    """Weights in kg for a chunk (NaN where refused) and, per row, the refusal message or None."""
    kg = np.full(len(texts), np.nan)
    problems: list[str | None] = [None] * len(texts)
    groups: dict[str, tuple[list[int], list[str]]] = {}
    slow: list[int] = []
    for i, text in enumerate(texts):
        match = _SIMPLE.fullmatch(text) if len(text) <= MAX_TEXT_LENGTH else None
        if match is None:
            slow.append(i)
        else:
            rows, numbers = groups.setdefault(match[2], ([], []))
            rows.append(i)
            numbers.append(match[1])
    for word, (rows, numbers) in groups.items():
        unit = unit_for(word, WEIGHT)
        if unit is None:
            slow.extend(rows)
            continue
        values = Q_(np.asarray(numbers, dtype=float), unit).to(WEIGHT.unit).magnitude
        plausible = (values >= WEIGHT.low) & (values <= WEIGHT.high)  # also False for NaN
        index = np.asarray(rows)
        kg[index[plausible]] = values[plausible]
        slow.extend(index[~plausible].tolist())
    for i in slow:  # the strict parser gives the exact reason (or, rarely, reads what the fast path could not)
        try:
            kg[i] = float(parse_quantity(texts[i], WEIGHT).magnitude)
        except QuantityError as error:
            problems[i] = error.problem
    return kg, problems


def _chunks(reader: Any, size: int) -> Iterator[list[tuple[int, list[str]]]]:
    """Rows with their line numbers (``reader.line_num``), ``size`` at a time; blank lines are skipped."""
    chunk: list[tuple[int, list[str]]] = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        chunk.append((reader.line_num, row))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_cohort(
    source: TextIO,
    sink: Callable[[str], object],
    plans: Sequence[Plan],
    on_bad: Callable[[BadRow], None],
    *,
    chunk_size: int = CHUNK_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> Summary:
    """Read patients from ``source`` (CSV with ``id`` and ``weight`` columns), write the cohort CSV to
    ``sink`` chunk by chunk, report each refused row to ``on_bad``, and return the counts."""
    reader = csv.reader(source)
    id_col, weight_col, width, extra = _header(reader)
    summary = Summary(ignored_columns=extra)
    pump = any(plan.concentration is not None for plan in plans)
    sink(",".join(COLUMNS + (PUMP_COLUMNS if pump else ())) + "\n")
    # Sorted 64-bit hashes of earlier ids: 8 bytes a patient instead of the id strings. Two different ids
    # share a hash with odds of about n^2 / 2^65 (1e-7 for two million patients).
    seen = np.empty(0, dtype=np.int64)
    try:
        for numbered in _chunks(reader, chunk_size):
            lines = [number for number, _ in numbered]
            chunk = [row for _, row in numbered]
            ids = [row[id_col].strip() if len(row) == width else "" for row in chunk]
            texts = [row[weight_col] if len(row) == width else "" for row in chunk]
            kg, problems = _read_weights(texts)
            hashes = np.fromiter((hash(i) for i in ids), dtype=np.int64, count=len(ids))
            good = np.ones(len(chunk), dtype=bool)
            _, first = np.unique(hashes, return_index=True)
            repeated = np.ones(len(chunk), dtype=bool)
            repeated[first] = False
            earlier = np.isin(hashes, seen)
            for i in range(len(chunk)):
                bad: tuple[str, str, str] | None = None
                if len(chunk[i]) != width:
                    ids[i] = chunk[i][id_col].strip() if len(chunk[i]) > id_col else ""
                    bad = (
                        "row",
                        ",".join(chunk[i]),
                        f"has {len(chunk[i])} cells but the header has {width}; a value with a comma "
                        "(such as a decimal comma) must be quoted, and every row needs every column",
                    )
                elif not ids[i]:
                    bad = ("id", "", "is missing; every patient needs an id")
                elif repeated[i] or earlier[i]:
                    bad = ("id", ids[i], "is a duplicate of an earlier row; ids must be unique")
                elif problems[i] is not None:
                    bad = ("weight", texts[i], str(problems[i]))
                if bad is not None:
                    good[i] = False
                    on_bad(BadRow(lines[i], ids[i], *bad))
            seen = np.union1d(seen, hashes[_present(ids)])
            summary.patients += len(chunk)
            summary.refused += int((~good).sum())
            summary.computed += int(good.sum())
            if good.any():
                sink(_rows_text([ids[i] for i in np.flatnonzero(good)], kg[good], plans, pump))
            if on_progress is not None:
                on_progress(len(chunk))
    except csv.Error as error:
        raise DoseCalcError(f"line {reader.line_num}: is not valid CSV ({error})", field="PATIENTS") from None
    return summary


def _present(ids: Sequence[str]) -> np.ndarray:
    return np.fromiter((bool(i) for i in ids), dtype=bool, count=len(ids))


def _rows_text(ids: Sequence[str], kg: np.ndarray, plans: Sequence[Plan], pump: bool) -> str:
    """CSV text for a chunk of good patients: one row per patient and regimen, patients in input order."""
    id_cells = [_csv_field(i) for i in ids]
    weight_cells = _format(kg)
    weights = Q_(kg, "kg")
    per_plan: list[list[str]] = []
    for plan in plans:
        fig = calculate(plan, weights)
        n = len(ids)
        columns = [
            id_cells,
            [plan.card.id] * n,
            weight_cells,
            _format(np.broadcast_to(fig.rate.to("mg/h").magnitude, (n,))),
            _format(np.broadcast_to(fig.rate_per_kg.to("mg/kg/h").magnitude, (n,))),
            _format(np.broadcast_to(fig.duration.to("h").magnitude, (n,))),
            _format(np.broadcast_to(fig.total_dose.to("mg").magnitude, (n,))),
            _format(np.broadcast_to(fig.total_dose_per_kg.to("mg/kg").magnitude, (n,))),
            _format(np.broadcast_to(fig.course_total_dose.to("mg").magnitude, (n,))),
        ]
        if pump:
            if fig.pump_rate is not None and fig.volume is not None:
                columns.append(_format(np.broadcast_to(fig.pump_rate.to("mL/h").magnitude, (n,))))
                columns.append(_format(np.broadcast_to(fig.volume.to("mL").magnitude, (n,))))
            else:
                columns += [[""] * n, [""] * n]
        per_plan.append(list(map(",".join, zip(*columns, strict=True))))
    interleaved = [row for rows in zip(*per_plan, strict=True) for row in rows]
    return "\n".join(interleaved) + "\n"
