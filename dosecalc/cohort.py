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
import itertools
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

_NUMBER_UNIT = r"([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?) ?([A-Za-z]+)"
_SIMPLE = re.compile(_NUMBER_UNIT, re.ASCII)
_SIMPLE_LINES = re.compile(rf"^{_NUMBER_UNIT}$|^.*$", re.ASCII | re.MULTILINE)


@dataclass(frozen=True)
class BadRow:
    """A patient row that was refused: where, which patient, and why."""

    row: int
    id: str
    field: str
    given: str
    reason: str

    def __str__(self) -> str:
        who = f"id {self.id!r}" if self.id else "no id"
        return f"row {self.row} ({who}): {self.field}: {self.reason}"


@dataclass
class Summary:
    patients: int = 0
    computed: int = 0
    refused: int = 0
    ignored_columns: list[str] = field(default_factory=list)


def _format(values: np.ndarray) -> list[str]:
    """Full-precision text for each float: Python's shortest repr that reads back to the same float."""
    return [repr(v) for v in np.asarray(values, dtype=float).ravel().tolist()]


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
    joined = "\n".join(texts)
    parts = _SIMPLE_LINES.findall(joined) if joined.count("\n") == len(texts) - 1 else []
    if len(parts) != len(texts):  # a text with a line break in it: read them one by one
        parts = [(m[1], m[2]) if (m := _SIMPLE.fullmatch(t)) else ("", "") for t in texts]
    for i, (number, word) in enumerate(parts):
        if not word or len(texts[i]) > MAX_TEXT_LENGTH:
            slow.append(i)
        else:
            rows, numbers = groups.setdefault(word, ([], []))
            rows.append(i)
            numbers.append(number)
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
    """Rows with their spreadsheet row numbers (the header is row 1), ``size`` at a time; blank rows are
    skipped but still counted, as a spreadsheet counts them."""
    number = 1
    while batch := list(itertools.islice(reader, size)):
        yield [(k, row) for k, row in enumerate(batch, number + 1) if any(row)]
        number += len(batch)


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
            rows = [number for number, _ in numbered]
            if not numbered:
                continue
            chunk = [row for _, row in numbered]
            ids = [row[id_col].strip() if len(row) == width else "" for row in chunk]
            texts = [row[weight_col] if len(row) == width else "" for row in chunk]
            kg, problems = _read_weights(texts)
            hashes = np.fromiter((hash(i) for i in ids), dtype=np.int64, count=len(ids))
            _, first = np.unique(hashes, return_index=True)
            repeated = np.ones(len(chunk), dtype=bool)
            repeated[first] = False
            earlier = np.isin(hashes, seen)
            suspect = repeated | earlier | np.isnan(kg)
            suspect |= np.fromiter((not i or len(row) != width for i, row in zip(ids, chunk, strict=True)), bool)
            good = ~suspect
            for i in np.flatnonzero(suspect).tolist():
                bad: tuple[str, str, str]
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
                else:
                    bad = ("weight", texts[i], str(problems[i]))
                on_bad(BadRow(rows[i], ids[i], *bad))
            seen = np.union1d(seen, hashes[_present(ids)])
            summary.patients += len(chunk)
            summary.refused += int((~good).sum())
            summary.computed += int(good.sum())
            if good.any():
                sink(_rows_text([ids[i] for i in np.flatnonzero(good)], kg[good], plans, pump))
            if on_progress is not None:
                on_progress(len(chunk))
    except csv.Error as error:
        raise DoseCalcError(f"is not valid CSV near line {reader.line_num} ({error})", field="PATIENTS") from None
    return summary


def _present(ids: Sequence[str]) -> np.ndarray:
    return np.fromiter((bool(i) for i in ids), dtype=bool, count=len(ids))


def _rows_text(ids: Sequence[str], kg: np.ndarray, plans: Sequence[Plan], pump: bool) -> str:
    """CSV text for a chunk of good patients: one row per patient and regimen, patients in input order.

    Every figure depends only on the weight, so each distinct weight of the chunk is computed and
    formatted once (cohorts repeat weights: 70 kg, or weights rounded to 0.1 kg) and its row text reused.
    """
    weights, inverse = np.unique(kg, return_inverse=True)
    n = len(weights)
    weight_cells = _format(weights)
    tails: list[list[str]] = []  # per plan, the row text after the regimen id, per distinct weight
    for plan in plans:
        fig = calculate(plan, Q_(weights, "kg"))
        figures = [
            fig.rate.to("mg/h"),
            fig.rate_per_kg.to("mg/kg/h"),
            fig.duration.to("h"),
            fig.total_dose.to("mg"),
            fig.total_dose_per_kg.to("mg/kg"),
            fig.course_total_dose.to("mg"),
        ]
        columns = [weight_cells] + [_format(np.broadcast_to(q.magnitude, (n,))) for q in figures]
        if pump:
            if fig.pump_rate is not None and fig.volume is not None:
                columns.append(_format(np.broadcast_to(fig.pump_rate.to("mL/h").magnitude, (n,))))
                columns.append(_format(np.broadcast_to(fig.volume.to("mL").magnitude, (n,))))
            else:
                columns += [[""] * n, [""] * n]
        tails.append([f"{plan.card.id},{row}" for row in map(",".join, zip(*columns, strict=True))])
    cells = ids
    if any(ch in "".join(ids) for ch in ',"\r\n') or any(i != i.strip() for i in ids):
        cells = [_csv_field(i) for i in ids]
    blocks = list(zip(*tails, strict=True))  # per distinct weight, its row text for each plan
    text = [cell + "," + ("\n" + cell + ",").join(blocks[w]) for cell, w in zip(cells, inverse.tolist(), strict=True)]
    return "\n".join(text) + "\n"
