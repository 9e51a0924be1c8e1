"""Cohorts: the dose table for every patient of a CSV file, streamed in chunks.

Each chunk of patients becomes one numpy array of weights inside a pint quantity and goes through the
same :func:`dosecalc.dosing.calculate` as a single patient, so a cohort row equals the ``table`` row for
that patient. Plain CSV lines are split with string methods (the csv module reads anything else), and
weight texts of the common ``NUMBER UNIT`` shape are read without pint: a chunk's numbers are read in one
call and each distinct unit word costs one pint conversion per chunk; any other text goes through the
strict parser, which accepts it or says why not.

Memory stays flat with the number of patients: a chunk is read, computed, written and dropped; the
only thing kept across chunks is one 64-bit hash per patient id (for duplicate ids).
"""

from __future__ import annotations

import csv
import io
import itertools
import operator
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .cells import any_risky, safe_cell
from .columns import DOSE_COLUMNS
from .dosing import DoseFigures, Plan, calculate
from .errors import DoseCalcError, QuantityError, quote
from .units import MAX_TEXT_LENGTH, Q_, WEIGHT, Quantity, parse_quantity, unit_for

CHUNK_SIZE = 10_000
_FIELD_LIMIT = csv.field_size_limit()  # the longest cell the csv module reads

#: The figures of a cohort row, named and in the units of ``dosecalc table --format csv``; the pump figures
#: follow when a concentration applies.
_FIGURES = [c for c in DOSE_COLUMNS if c.key not in ("concentration", "pump_rate", "volume", "drip_rate")]
_PUMP_FIGURES = [c for c in DOSE_COLUMNS if c.key in ("pump_rate", "volume")]
_DRIP_FIGURES = [c for c in DOSE_COLUMNS if c.key == "drip_rate"]
#: The output columns, in order (kept columns follow the id); the pump columns follow when a concentration
#: applies, the drip column when a drop factor is given, and cap_binds ends every row.
COLUMNS = ("id", "regimen", "weight_kg", *(c.csv for c in _FIGURES))
PUMP_COLUMNS = tuple(c.csv for c in _PUMP_FIGURES)
DRIP_COLUMNS = tuple(c.csv for c in _DRIP_FIGURES)
#: A weight column may carry its unit in its name, its cells then being plain numbers.
WEIGHT_COLUMNS = {"weight": None, "weight_kg": "kg", "weight_lb": "lb", "weight_g": "g"}
#: How spreadsheets write a unit into a column name: weight (kg), weight [lb], Weight kg.
_UNIT_IN_NAME = re.compile(r"weight[ _]*[(\[]?(kg|lb|g)[)\]]?")


def _column_name(text: str) -> str:
    """A header cell as dosecalc matches it: lower case, and a weight column's unit written as weight_kg."""
    name = text.strip().lower()
    match = _UNIT_IN_NAME.fullmatch(name)
    return f"weight_{match[1]}" if match else name


_NUMBER = r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"  # the strict parser's number, nothing more
_SIMPLE = re.compile(rf"({_NUMBER}) ?([A-Za-z]+)", re.ASCII)
# The same number, with possessive quantifiers (nothing to backtrack into: each part is followed by a
# character it cannot contain), which makes the scan of a whole column about 40 % faster.
_NUMBER_POSSESSIVE = r"[0-9]++(?:\.[0-9]++)?+(?:[eE][+-]?+[0-9]++)?+"
_PLAIN_COLUMN = re.compile(rf"(?:{_NUMBER_POSSESSIVE} [A-Za-z]++\n)*+{_NUMBER_POSSESSIVE} [A-Za-z]++", re.ASCII)


class BadRow(NamedTuple):
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
class Tally:
    """What a cohort run read: patients in all, computed, refused, and the columns it did not use."""

    patients: int = 0
    computed: int = 0
    refused: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    kept_columns: list[str] = field(default_factory=list)
    #: How many patients each note applies to: outside a card's population, above a drug's soft limit.
    flags: dict[str, int] = field(default_factory=dict)


def _csv_field(text: str, raw: bool = False) -> str:
    """``text`` as one CSV cell: neutralised for spreadsheets (:mod:`dosecalc.cells`) unless ``raw``, and
    quoted when it holds a comma, a quote, a line end or spaces at an end."""
    if not raw:
        text = safe_cell(text)
    if any(ch in text for ch in ',"\r\n') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def _header(reader: Iterator[list[str]], keep: Sequence[str]) -> tuple[_Layout, list[str], list[str]]:
    """The layout of the file's columns, the names of the kept columns as written, and the ignored ones."""
    try:
        header = next(reader)
    except StopIteration:
        raise DoseCalcError("is empty; expected a CSV file with a header row 'id,weight'", field="patients") from None
    if header and header[0].startswith("\ufeff"):  # a byte-order mark, as a named file's utf-8-sig drops it
        header[0] = header[0][1:]
    names = [_column_name(name) for name in header]
    weights = [name for name in names if name in WEIGHT_COLUMNS]
    missing = (["id"] if "id" not in names else []) + (["weight"] if not weights else [])
    if missing:
        hint = ""
        if len(header) == 1 and ";" in header[0]:
            hint = "; the file seems to use ';' between columns: save it as comma-separated values"
        raise DoseCalcError(
            f"has no {' or '.join(repr(m) for m in missing)} column (header: {','.join(header)[:60]!r}){hint}",
            field="patients",
        )
    if names.count("id") > 1:
        raise DoseCalcError("has more than one 'id' column", field="patients")
    if len(weights) > 1:
        raise DoseCalcError(f"has more than one weight column ({', '.join(weights)}); keep one", field="patients")
    kept: list[int] = []
    for name in keep:
        wanted = _column_name(name)
        if wanted in ("id", *WEIGHT_COLUMNS) or wanted not in names:
            known = ", ".join(h for h, n in zip(header, names, strict=True) if n != "id" and n not in WEIGHT_COLUMNS)
            why = "is in every output already" if wanted in ("id", *WEIGHT_COLUMNS) else "is not a column of the file"
            raise DoseCalcError(f"{quote(name)} {why}; the other columns are: {known or 'none'}", field="keep")
        kept.append(names.index(wanted))
    layout = _Layout(len(header), names.index("id"), names.index(weights[0]), WEIGHT_COLUMNS[weights[0]], tuple(kept))
    used = {layout.id_col, layout.weight_col, *kept}
    extra = [h for i, h in enumerate(header) if i not in used]
    return layout, [header[i].strip() for i in kept], extra


def _split_number_unit(texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """Each text's number and unit word when it has the plain ``NUMBER UNIT`` shape, else ``("", "")``.

    When every text is one number, one space and one unit word (the common case), the column is checked
    in one regex scan and split at once (C string methods); otherwise the texts are matched one by one.
    """
    n = len(texts)
    joined = "\n".join(texts)
    if joined.count("\n") == n - 1 and _PLAIN_COLUMN.fullmatch(joined):  # n lines, each NUMBER UNIT
        tokens = joined.replace(" ", "\n").split("\n")
        return tokens[0::2], tokens[1::2]
    numbers, words = [""] * n, [""] * n
    for i, text in enumerate(texts):
        match = _SIMPLE.fullmatch(text)
        if match:
            numbers[i], words[i] = match[1], match[2]
    return numbers, words


def _numbers(texts: list[str]) -> np.ndarray:
    """The numbers (texts of the strict parser's number shape, or "" for none: NaN) as floats.

    orjson reads the column in one call when it is valid JSON (it is unless a number has a leading zero
    or a text is empty), several times faster than ``float`` per text; both round correctly, so the
    values are the same (tested).
    """
    import orjson

    try:
        values = np.array(orjson.loads("[" + ",".join(texts) + "]"), dtype=np.float64)
        if values.shape == (len(texts),):  # a lone "" reads as an empty list
            return values
    except (ValueError, OverflowError):  # orjson.JSONDecodeError is a ValueError
        pass
    return np.fromiter((float(t) if t else np.nan for t in texts), dtype=np.float64, count=len(texts))


def _read_weights(texts: Sequence[str]) -> tuple[np.ndarray, list[str | None]]:
    """Weights in kg for a chunk (NaN where refused) and, per row, the refusal message or None."""
    n = len(texts)
    kg = np.full(n, np.nan)
    problems: list[str | None] = [None] * n
    number_texts, word_texts = _split_number_unit(texts)
    numbers = _numbers(number_texts)
    words = np.array(word_texts)
    short = np.fromiter(map(len, texts), dtype=np.int64, count=n) <= MAX_TEXT_LENGTH
    slow = ~short | (words == "")
    for word in set(word_texts) - {""}:
        rows = (words == word) & short
        unit = unit_for(word, WEIGHT)
        if unit is None:
            slow |= rows
            continue
        values = Q_(numbers[rows], unit).to(WEIGHT.unit).magnitude
        plausible = np.zeros(n, dtype=bool)
        plausible[rows] = (values >= WEIGHT.low) & (values <= WEIGHT.high)  # also False for NaN
        kg[plausible] = values[plausible[rows]]
        slow |= rows & ~plausible
    for i in np.flatnonzero(slow).tolist():  # the strict parser gives the exact reason, or reads the rare
        try:  # text the fast path leaves to it
            kg[i] = float(parse_quantity(texts[i], WEIGHT).magnitude)
        except QuantityError as error:
            problems[i] = error.problem
    return kg, problems


class Chunk(NamedTuple):
    """Up to ``size`` patient rows: spreadsheet row numbers, the id and weight cells, and whether each row
    has as many cells as the header. ``cells`` keeps every row's cells when a row is short or long (for
    the report); it is None for a chunk in which every row is whole. ``kept`` has the cells of each kept
    column."""

    rows: np.ndarray
    ids: list[str]
    texts: list[str]
    whole: np.ndarray
    cells: list[list[str]] | None
    kept: list[list[str]]


class _Layout(NamedTuple):
    width: int
    id_col: int
    weight_col: int
    unit: str | None = None  # the weight column's unit, when its name gives it (weight_kg)
    keep: tuple[int, ...] = ()


def _chunks(source: Iterator[str], size: int, layout: _Layout, line: int) -> Iterator[Chunk]:
    """The rows after the header, ``size`` lines at a time (``line`` lines, the header, already read).

    A chunk of plain lines (no quote, no NUL, no lone carriage return, no blank row, every line with the
    header's number of commas) is split with string methods: for such text the csv module would return
    exactly these cells. Any other chunk is read by the csv module; from the first quote character on, the
    csv module reads the rest of the file, since a quoted cell may hold line breaks and run past a chunk.
    """
    while lines := list(itertools.islice(source, size)):
        text = "".join(lines)
        if '"' in text:
            yield from _csv_chunks(itertools.chain(lines, source), size, layout, line)
            return
        plain = _plain_cells(text, lines, layout.width)
        if plain is None:  # without quotes every line is one record, blank or not
            yield from _csv_chunks(iter(lines), len(lines), layout, line)
        else:
            n = len(lines)
            ids, texts = plain[layout.id_col :: layout.width], plain[layout.weight_col :: layout.width]
            kept = [plain[k :: layout.width] for k in layout.keep]
            yield Chunk(np.arange(line + 1, line + 1 + n), ids, texts, np.ones(n, dtype=bool), None, kept)
        line += len(lines)


def _plain_cells(text: str, lines: list[str], width: int) -> list[str] | None:
    """Every cell of ``lines`` (``text`` joined) in one flat list, or None when the lines are not plain."""
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    if "\x00" in text or lengths.max() > _FIELD_LIMIT:
        return None  # the csv module refuses these, with its own message
    commas = np.fromiter(map(str.count, lines, itertools.repeat(",")), dtype=np.int64, count=len(lines))
    if not bool((commas == width - 1).all()):
        return None
    if any(lines[i].rstrip("\r\n") == "," * (width - 1) for i in np.flatnonzero(lengths <= width + 1).tolist()):
        return None  # a row of empty cells is a blank row
    return text.removesuffix("\n").replace("\n", ",").split(",")


class _TooLong(list[str]):
    """The record of a row with a cell longer than the csv module reads (it has no cells to show)."""


def _records(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """The records of ``reader``; a row with a cell past the csv module's field limit becomes a
    :class:`_TooLong` record, so that it is refused alone and the rows after it are still read."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field limit" not in str(error):
                raise
            yield _TooLong()


def _csv_chunks(lines: Iterator[str], size: int, layout: _Layout, line: int) -> Iterator[Chunk]:
    """Records read by the csv module, ``size`` at a time, after ``line`` lines already read (each of them
    one record); blank records are skipped but still counted, as a spreadsheet counts them."""
    reader = csv.reader(lines)
    records = _records(reader)
    width, id_col, weight_col = layout.width, layout.id_col, layout.weight_col
    row = line + 1  # the spreadsheet row number of the next record
    try:
        while batch := list(itertools.islice(records, size)):
            numbers = np.arange(row, row + len(batch))
            row += len(batch)
            filled = np.fromiter(
                (any(cells) or type(cells) is _TooLong for cells in batch), dtype=bool, count=len(batch)
            )
            if not filled.all():
                batch = [cells for cells, keep in zip(batch, filled.tolist(), strict=True) if keep]
                numbers = numbers[filled]
            if not batch:
                continue
            whole = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch)) == width
            ok = whole.tolist()
            ids = [c[id_col] if w else "" for c, w in zip(batch, ok, strict=True)]
            texts = [c[weight_col] if w else "" for c, w in zip(batch, ok, strict=True)]
            kept = [[c[k] if w else "" for c, w in zip(batch, ok, strict=True)] for k in layout.keep]
            yield Chunk(numbers, ids, texts, whole, None if whole.all() else batch, kept)
    except csv.Error as error:
        raise _not_csv(line + reader.line_num, error) from None


def _not_csv(line: int, error: csv.Error) -> DoseCalcError:
    return DoseCalcError(f"is not valid CSV near line {line} ({error})", field="patients")


class Patients(NamedTuple):
    """The good patients of one chunk: their ids and weights in kg (a numpy array), in input order, and the
    cells of each kept column."""

    ids: list[str]
    kg: np.ndarray
    kept: list[list[str]]


def read_patients(
    source: Iterator[str],
    tally: Tally,
    on_bad: Callable[[BadRow], None],
    *,
    chunk_size: int = CHUNK_SIZE,
    on_progress: Callable[[int], None] | None = None,
    keep: Sequence[str] = (),
) -> Iterator[Patients]:
    """The patients of ``source`` (lines of CSV with ``id`` and ``weight`` columns), a chunk at a time; each refused row
    goes to ``on_bad`` and every row is counted in ``tally``. The header is read and checked at once, so a
    file without an ``id`` or ``weight`` column is refused before anything is written."""
    header = csv.reader(source)  # the header may be quoted; the rows are read by _chunks
    try:
        layout, tally.kept_columns, tally.ignored_columns = _header(header, keep)
    except csv.Error as error:
        raise _not_csv(header.line_num, error) from None
    return _patients(_chunks(iter(source), chunk_size, layout, header.line_num), layout, tally, on_bad, on_progress)


def _patients(
    chunks: Iterator[Chunk],
    layout: _Layout,
    tally: Tally,
    on_bad: Callable[[BadRow], None],
    on_progress: Callable[[int], None] | None,
) -> Iterator[Patients]:
    width, id_col = layout.width, layout.id_col
    seen = _IdHashes()
    for chunk in chunks:
        n = len(chunk.ids)
        ids = list(map(str.strip, chunk.ids))
        texts = chunk.texts
        kg, problems = _read_weights(texts if layout.unit is None else [f"{t} {layout.unit}" for t in texts])
        hashes = np.fromiter(map(hash, ids), dtype=np.int64, count=n)
        missing = np.fromiter(map(operator.not_, ids), dtype=bool, count=n)
        repeated, earlier = seen.duplicates(hashes)
        controlled = _control_characters(ids, chunk.kept, n)
        suspect = repeated | earlier | np.isnan(kg) | missing | ~chunk.whole | controlled
        good = ~suspect
        for i in np.flatnonzero(suspect).tolist():
            bad: tuple[str, str, str]
            if chunk.cells is not None and type(chunk.cells[i]) is _TooLong:
                bad = ("row", "", f"has a cell longer than {_FIELD_LIMIT:,} characters; is this the right file?")
            elif chunk.cells is not None and len(chunk.cells[i]) != width:
                cells = chunk.cells[i]
                ids[i] = cells[id_col].strip() if len(cells) > id_col else ""
                bad = (
                    "row",
                    ",".join(cells),
                    f"has {len(cells)} cells but the header has {width}; a value with a comma "
                    "(such as a decimal comma) must be quoted, and every row needs every column",
                )
            elif controlled[i]:
                bad = (
                    "row",
                    ids[i],
                    "holds a control character (such as ESC or a line break) in its id or a kept cell",
                )
            elif not ids[i]:
                bad = ("id", "", "is missing; every patient needs an id")
            elif repeated[i] or earlier[i]:
                bad = ("id", ids[i], "is a duplicate of an earlier row; ids must be unique")
            else:
                bad = ("weight", texts[i], str(problems[i]))
            on_bad(BadRow(int(chunk.rows[i]), ids[i], *bad))
        seen.add(hashes[~missing & ~repeated & ~earlier])
        tally.patients += n
        tally.refused += int((~good).sum())
        tally.computed += int(good.sum())
        if good.all():
            yield Patients(ids, kg, chunk.kept)
        elif good.any():
            chosen = np.flatnonzero(good).tolist()
            yield Patients([ids[i] for i in chosen], kg[good], [[cells[i] for i in chosen] for cells in chunk.kept])
        if on_progress is not None:
            on_progress(n)


#: Characters that ids and kept cells may not hold: they would reach a terminal or a spreadsheet as control
#: codes (a tab is allowed; a cell starting with one is neutralised like a formula).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def _control_characters(ids: list[str], kept: list[list[str]], n: int) -> np.ndarray:
    """Which rows hold a control character in the id or a kept cell: one scan of each column's joined text,
    and a look at each cell only in a column that has one."""
    mask = np.zeros(n, dtype=bool)
    for column in (ids, *kept):
        if _CONTROL.search("".join(column)):
            mask |= np.fromiter((_CONTROL.search(cell) is not None for cell in column), dtype=bool, count=n)
    return mask


def csv_header(plans: Sequence[Plan], kept: Sequence[str] = (), raw: bool = False) -> str:
    """The cohort CSV's header line: the id and the kept columns, the figures, the pump columns when any
    regimen has a concentration, the drip column when any has a drip rate, and cap_binds."""
    pump, drip = extras(plans)
    names = [COLUMNS[0], *kept, *COLUMNS[1:], *(PUMP_COLUMNS if pump else ()), *(DRIP_COLUMNS if drip else ())]
    return ",".join(_csv_field(name, raw) for name in [*names, "cap_binds"]) + "\n"


def extras(plans: Sequence[Plan]) -> tuple[bool, bool]:
    """Whether the rows have pump columns (a concentration) and a drip column (a drop factor as well)."""
    pump = any(plan.concentration is not None for plan in plans)
    drip = any(plan.concentration is not None and plan.drop_factor is not None for plan in plans)
    return pump, drip


def write_csv(
    patients: Iterator[Patients],
    plans: Sequence[Plan],
    sink: Callable[[str], object],
    kept: Sequence[str] = (),
    tally: Tally | None = None,
    raw: bool = False,
) -> None:
    """The cohort CSV to ``sink``, a chunk at a time: one row per patient and regimen, full precision. With a
    ``tally``, the patients outside a card's population or above a drug's soft limit are counted in its
    ``flags``; a patient above a hard limit stops the cohort, naming the patient. Ids and kept cells are
    neutralised for spreadsheets unless ``raw``."""
    sink(csv_header(plans, kept, raw))
    for chunk in patients:
        sink(_rows_text(chunk, plans, tally, raw))


def _flag(
    plan: Plan, fig: DoseFigures, weights: np.ndarray, inverse: np.ndarray | None, ids: Sequence[str], tally: Tally
) -> None:
    """Count a chunk's patients outside the card's population and above each of its drug's soft limits; refuse
    one above a hard limit. ``fig`` holds the figures of ``weights`` (each patient's through ``inverse``)."""
    from .dosing import LIMIT_UNITS, limited_figures

    def patients(mask: np.ndarray) -> np.ndarray:
        mask = np.broadcast_to(mask, weights.shape)
        return mask if inverse is None else mask[inverse]

    card = plan.card
    if card.population is not None:
        low, high = card.population.lightest, card.population.max_weight
        outside = np.zeros(weights.shape, dtype=bool)
        if low is not None:
            outside |= weights < float(low.to("kg").magnitude)
        if high is not None:
            outside |= weights > float(high.to("kg").magnitude)
        if (count := int(patients(outside).sum())) > 0:
            key = f"{card.id}: outside the population its sources studied"
            tally.flags[key] = tally.flags.get(key, 0) + count
    drug = plan.drug
    for figure, value, phase in limited_figures(fig) if drug is not None else ():
        for limit in (lim for lim in drug.limits if lim.figure == figure):  # type: ignore[union-attr]
            unit = LIMIT_UNITS[figure]
            bound = float(limit.above.to(unit).magnitude)
            above = patients(np.asarray(value.to(unit).magnitude) > bound)
            if not above.any():
                continue
            where = "" if phase is None else f" in phase {phase}"
            if limit.level == "hard":
                who = ids[int(np.argmax(above))]
                raise QuantityError(
                    f"patient {who!r}: under {card.id} the {limit.words}{where} is above the hard limit of "
                    f"{bound:g} {unit} for {drug.name} ({limit.source.citation})",  # type: ignore[union-attr]
                    field="patients",
                )
            key = f"{card.id}: {limit.words}{where} above the soft limit of {bound:g} {unit}"
            tally.flags[key] = tally.flags.get(key, 0) + int(above.sum())


class _IdHashes:
    """The 64-bit hashes of the ids seen so far: 8 bytes a patient instead of the id strings. Two different
    ids share a hash with odds of about n^2 / 2^65 (1e-7 for two million patients).

    The hashes are kept as a few sorted runs, each at least eight times the size of the next (a new run
    is merged into the last one while that is less than eight times its size), so there are at most
    about log8(n / chunk) + 1 runs, and adding a chunk costs O(chunk log n) amortised instead of a
    re-sort of every hash seen. A chunk's hashes are sorted once, which finds the repeats within the
    chunk and keeps the binary searches in the runs in cache.
    """

    #: How much larger than the next each run is kept: fewer runs make lookups cheaper, at the cost of more
    #: merging (8 was the fastest of 2, 4 and 8 for two million patients in chunks of 10,000).
    GROWTH = 8

    def __init__(self) -> None:
        self.runs: list[np.ndarray] = []

    def duplicates(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Two masks over ``values``: equal to an earlier value of the same array (the first of each stays
        False), and among the hashes seen before."""
        order = np.argsort(values, kind="stable")
        keys = values[order]
        repeated = np.zeros(len(values), dtype=bool)
        repeated[order[1:][keys[1:] == keys[:-1]]] = True
        earlier = np.zeros(len(values), dtype=bool)
        for run in self.runs:
            at = np.minimum(np.searchsorted(run, keys), run.size - 1)
            earlier[order] |= run[at] == keys
        return repeated, earlier

    def add(self, values: np.ndarray) -> None:
        run = np.sort(values)
        while self.runs and self.runs[-1].size < self.GROWTH * run.size:
            # "stable" is timsort here: it finds the two sorted runs and merges them in one pass
            run = np.sort(np.concatenate([self.runs.pop(), run]), kind="stable")
        if run.size:
            self.runs.append(run)


def _rows_text(chunk: Patients, plans: Sequence[Plan], tally: Tally | None = None, raw: bool = False) -> str:
    """CSV text for a chunk of good patients: one row per patient and regimen, patients in input order.

    Every figure depends only on the weight, so each distinct weight of the chunk is computed once
    (cohorts repeat weights: 70 kg, or weights rounded to 0.1 kg). Each plan's figures form one 2-D
    array, formatted in one call and cut into one text per row.
    """
    ids, kg = chunk.ids, chunk.kg
    pump, drip = extras(plans)
    inverse: np.ndarray | None
    weights, inverse = np.unique(kg, return_inverse=True)
    if len(weights) * 10 > len(kg) * 9:  # nearly every weight differs: compute in input order, gather nothing
        weights, inverse = kg, None
    n = len(ids)
    cells = ids
    if any(ch in "".join(ids) for ch in ',"\r\n') or (not raw and any_risky(ids)):
        cells = [_csv_field(i, raw) for i in ids]
    for column in chunk.kept:  # kept columns follow the id
        cells = [f"{first},{_csv_field(cell, raw)}" for first, cell in zip(cells, column, strict=True)]
    # Each patient's rows are four pieces per plan: the id (and kept cells), ",regimen,", the figures, and the
    # line end (empty pump and drip cells for a regimen without them, then cap_binds). They are laid out
    # patient by patient in one list by slice assignment (C loops) and joined in one pass.
    width = 4 * len(plans)
    pieces = [""] * (width * n)
    for p, plan in enumerate(plans):
        fig = calculate(plan, Q_(weights, "kg"))
        if tally is not None:
            _flag(plan, fig, weights, inverse, ids, tally)
        figures = [fig.weight.to("kg"), *(getattr(fig, c.key).to(c.unit) for c in _FIGURES)]
        empty = ""
        if pump and fig.pump_rate is not None and fig.volume is not None:
            figures += [getattr(fig, c.key).to(c.unit) for c in _PUMP_FIGURES]
        elif pump:
            empty += ",,"  # this regimen has no concentration: empty pump cells
        if drip and fig.drip_rate is not None:
            figures += [getattr(fig, c.key).to(c.unit) for c in _DRIP_FIGURES]
        elif drip:
            empty += ","
        rows = _table_rows(figures, len(weights))
        binds = np.broadcast_to(np.asarray(fig.cap_binds, dtype=bool), (len(weights),))
        if inverse is not None:  # each patient's row, gathered from the distinct weights' rows
            rows = np.array(rows, dtype=object)[inverse].tolist()
            binds = binds[inverse]
        ends = (f"{empty},no\n", f"{empty},yes\n")
        pieces[4 * p :: width] = cells
        pieces[4 * p + 1 :: width] = [f",{plan.card.id},"] * n
        pieces[4 * p + 2 :: width] = rows
        pieces[4 * p + 3 :: width] = list(map(ends.__getitem__, binds.tolist())) if binds.any() else [ends[0]] * n
    return "".join(pieces)


def _table_rows(columns: Sequence[Quantity], n: int) -> list[str]:
    """The figures of each of ``n`` rows at full precision, comma-separated, one text per row: the figures
    are stacked into one n x k array, formatted by orjson in a single call (Ryu's shortest round-trip
    decimals, several times faster than ``repr`` per value), and cut at the row boundaries."""
    import orjson

    table = np.column_stack([np.broadcast_to(np.asarray(q.magnitude, dtype=np.float64), (n,)) for q in columns])
    text = orjson.dumps(np.ascontiguousarray(table), option=orjson.OPT_SERIALIZE_NUMPY).decode("ascii")
    return text[2:-2].split("],[")


def patient_lines(patients: Any) -> tuple[Iterator[str], Callable[[], None]]:
    """Lines of CSV text for the patients, and what closes their file. A file (``-``: standard input) is read
    as strict UTF-8 whatever the locale; a regular file is checked whole before any row is read, a pipe or
    standard input where a bad byte is met, with each line bounded."""
    from .files import check_utf8, open_user_file, text_lines

    if isinstance(patients, (str, Path)):
        raw = open_user_file(patients, "patients")
        regular = str(patients) != "-" and stat.S_ISREG(os.fstat(raw.fileno()).st_mode)
        close = raw.close if str(patients) != "-" else lambda: None
        try:
            if regular:  # not a pipe such as <(zcat ...), which can be read once
                check_utf8(raw, "patients")
                raw.seek(0)
        except OSError as error:
            close()
            raise DoseCalcError(f"cannot read the patients file ({error.strerror})", field="patients") from None
        except BaseException:
            close()
            raise
        return text_lines(raw, "patients", bounded=not regular), close
    if isinstance(patients, (io.RawIOBase, io.BufferedIOBase)):
        return text_lines(patients, "patients"), lambda: None  # type: ignore[arg-type]
    if hasattr(patients, "read"):
        return patients, lambda: None
    from .frames import frame_lines, frame_rows, is_frame, is_series

    if is_frame(patients):
        return frame_lines(_frame_rows(frame_rows(patients, "patients"))), lambda: None
    if is_series(patients) or isinstance(patients, (Mapping, bytes)):  # a Series or a dict iterates its keys
        raise DoseCalcError(
            f"expected a DataFrame with id and weight columns, a CSV file or rows of (id, weight), got "
            f"{type(patients).__name__}",
            field="patients",
        )
    if isinstance(patients, Iterable):
        return _csv_lines(patients), lambda: None
    raise DoseCalcError(f"expected a CSV file, a text stream or rows, got {type(patients).__name__}", field="patients")


def _frame_rows(rows: list[list[str]]) -> list[list[str]]:
    """A DataFrame's rows, refused before any is read when it lacks the id or weight column, or holds plain
    numbers in a ``weight`` column (a number has no unit: the column's name can give it, as a file's does)."""
    names = [_column_name(name) for name in rows[0]]
    weights = [name for name in names if name in WEIGHT_COLUMNS]
    if "id" not in names or not weights:
        raise DoseCalcError(
            f"is a DataFrame with the columns {', '.join(rows[0])[:80]}; expected an 'id' column and a 'weight' "
            "column of texts such as '70 kg' (or plain numbers in a column named weight_kg, weight_lb or weight_g)",
            field="patients",
        )
    if "weight" in names:
        cells = [cell for row in rows[1:] if (cell := row[names.index("weight")])]
        if cells and all(_PLAIN_NUMBER.fullmatch(cell) for cell in cells):
            raise DoseCalcError(
                "the DataFrame's weight column holds plain numbers, which have no unit; name the column "
                "weight_kg (or weight_lb, weight_g), or write texts such as '70 kg'",
                field="patients",
            )
    return rows


_PLAIN_NUMBER = re.compile(_NUMBER, re.ASCII)


def _take(buffer: io.StringIO) -> Iterator[str]:
    """The line written to ``buffer``, which is emptied."""
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()


def _csv_lines(rows: Iterable[Any]) -> Iterator[str]:
    """Rows of ``(id, weight)`` or mappings as CSV lines with a header, read like a file (the header is row 1);
    a quantity weight is written as its exact value and unit (``69.85322498000001 kg``)."""
    import pint

    def cell(value: Any) -> str:
        if isinstance(value, pint.Quantity) and isinstance(value.magnitude, (int, float)):
            return f"{float(value.magnitude)!r} {value.units:~}".replace(" / ", "/")
        return "" if value is None else str(value)

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header: list[str] | None = None
    for number, row in enumerate(rows, 1):
        if isinstance(row, (str, bytes)):  # its characters are no (id, weight) pair
            raise DoseCalcError(
                f"row {number} is the text {quote(str(row))}; give rows of (id, weight) or mappings with id and "
                "weight, or a DataFrame with id and weight columns",
                field="patients",
            )
        if isinstance(row, Mapping):
            if header is None:
                header = [str(key) for key in row]
                writer.writerow(header)
                yield from _take(buffer)  # the csv module reads one line at a time
            cells = [row.get(key) for key in header]
        else:
            if header is None:
                header = ["id", "weight"]
                writer.writerow(header)
                yield from _take(buffer)
            cells = list(row)
        writer.writerow([cell(value) for value in cells])
        yield from _take(buffer)
    if header is None:
        yield "id,weight\n"
