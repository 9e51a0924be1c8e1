"""Cohorts: rows equal the single-patient table, bad rows are reported and good rows kept."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dosecalc.cohorts import COLUMNS, PUMP_COLUMNS, BadRow, Tally, read_patients, write_csv
from dosecalc.dosing import WhatIf, make_plan
from dosecalc.regimens import Catalogue, builtin_dir, load_catalogue
from dosecalc.units import POUND_IN_KG

from .helpers import run


def run_cohort(source: Any, sink: Any, plans: Any, on_bad: Any, *, chunk_size: int) -> Tally:
    """The library's cohort pieces end to end: read the patients of ``source``, write the CSV to ``sink``."""
    tally = Tally()
    write_csv(read_patients(iter(source), tally, on_bad, chunk_size=chunk_size), plans, sink)
    return tally


#: A cohort gives each patient a row per built-in card: as many as the folder holds.
PER_PATIENT = len(list(builtin_dir().glob("*.toml")))
UNITS = {"kg": 1.0, "lb": POUND_IN_KG, "g": 0.001, "lbs": POUND_IN_KG, "kilograms": 1.0}


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    patients=st.lists(
        st.tuples(st.floats(min_value=1, max_value=600).map(lambda x: round(x, 3)), st.sampled_from(sorted(UNITS))),
        min_size=1,
        max_size=12,
    ),
    concentration=st.sampled_from([None, "2 mg/mL", "100 mg in 50 mL"]),
)
def test_cohort_rows_equal_the_table_for_each_patient(tmp_path: Path, patients, concentration) -> None:  # type: ignore[no-untyped-def]
    lines = ["weight,id,ward"]  # columns in another order, with an extra one
    texts = []
    for n, (number, unit) in enumerate(patients):
        amount = number * 1000 if unit == "g" else number
        text = f"{amount!r} {unit}"
        texts.append(text)
        lines.append(f"{text},p{n},A")
    source = tmp_path / "patients.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    extra = [] if concentration is None else ["--concentration", concentration]
    result = run("cohort", str(source), *extra)
    assert result.exit_code == 0, result.output
    assert "note: ignored column(s): ward" in result.stderr
    header = result.stdout.splitlines()[0].split(",")
    assert header[: len(COLUMNS)] == list(COLUMNS)
    assert list(COLUMNS) == [  # the columns, in its order
        "id",
        "regimen",
        "weight_kg",
        "rate_mg_per_h",
        "rate_mg_per_kg_per_h",
        "duration_h",
        "total_dose_mg",
        "total_dose_mg_per_kg",
        "course_total_dose_mg",
    ]
    assert list(PUMP_COLUMNS) == ["pump_rate_ml_per_h", "volume_ml"]
    rows = read(result.stdout)
    assert [r["id"] for r in rows] == [f"p{n}" for n in range(len(patients)) for _ in range(PER_PATIENT)]
    for n, text in enumerate(texts):
        table = run("table", "--weight", text, "--format", "json", *extra).json()
        for row, expected in zip(rows[PER_PATIENT * n : PER_PATIENT * (n + 1)], table["rows"], strict=True):
            assert row["regimen"] == expected["regimen"]
            assert float(row["weight_kg"]) == table["patient"]["weight"]["value"]
            assert float(row["rate_mg_per_h"]) == expected["rate"]["value"]
            assert float(row["rate_mg_per_kg_per_h"]) == expected["rate_per_kg"]["value"]
            assert float(row["duration_h"]) == expected["duration"]["value"]
            assert float(row["total_dose_mg"]) == expected["total_dose"]["value"]
            assert float(row["total_dose_mg_per_kg"]) == expected["total_dose_per_kg"]["value"]
            assert float(row["course_total_dose_mg"]) == expected["course_total_dose"]["value"]
            if "pump_rate" in expected:
                assert float(row["pump_rate_ml_per_h"]) == expected["pump_rate"]["value"]
                assert float(row["volume_ml"]) == expected["volume"]["value"]
            elif PUMP_COLUMNS[0] in row:
                assert row["pump_rate_ml_per_h"] == ""
            assert row["cap_binds"] == ("yes" if "uncapped_rate" in expected else "no")  # the table says when


BAD_INPUT = """id,weight
a,70 kg
b,"70,5 kg"
a,80 kg
,60 kg
c,70,5 kg
d,700 kg
e,nan kg
f,9**9 kg

g,154 lb
"""


def test_bad_rows_are_reported_and_good_rows_kept(tmp_path: Path) -> None:
    errors = tmp_path / "errors.csv"
    result = run("cohort", "-", "--regimen", "rate-22-mg-h", "--errors", str(errors), stdin=BAD_INPUT)
    assert result.exit_code == 1, result.output
    assert [r["id"] for r in read(result.stdout)] == ["a", "g"]
    reported = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert reported == [
        "error: row 3 (id 'b'): weight: '70,5 kg' uses a decimal comma; write 70.5 kg",
        "error: row 4 (id 'a'): id: is a duplicate of an earlier row; ids must be unique",
        "error: row 5 (no id): id: is missing; every patient needs an id",
        "error: row 6 (id 'c'): row: has 3 cells but the header has 2; a value with a comma (such as a decimal "
        "comma) must be quoted, and every row needs every column",
        "error: row 7 (id 'd'): weight: '700 kg' is outside the accepted range 0.3 to 650 kg; expected a body "
        "weight in kg, g or lb such as 70 kg",
        "error: row 8 (id 'e'): weight: 'nan kg' is not a finite number; expected a body weight in kg, g or lb "
        "such as 70 kg",
        "error: row 9 (id 'f'): weight: '9**9 kg' is an expression; expected one number and a unit, e.g. 70 kg",
    ]
    saved = read(errors.read_text(encoding="utf-8"))
    assert [(r["row"], r["id"], r["field"]) for r in saved] == [
        ("3", "b", "weight"),
        ("4", "a", "id"),
        ("5", "", "id"),
        ("6", "c", "row"),
        ("7", "d", "weight"),
        ("8", "e", "weight"),
        ("9", "f", "weight"),
    ]


def test_duplicates_are_found_across_chunks(catalogue: Catalogue) -> None:
    text = "id,weight\n" + "\n".join(f"p{i},{60 + i} kg" for i in range(5)) + "\np1,70 kg\n"
    out: list[str] = []
    bad: list[BadRow] = []
    plans = [make_plan(catalogue.get("rate-22-mg-h"), WhatIf())]
    summary = run_cohort(io.StringIO(text), out.append, plans, bad.append, chunk_size=2)
    assert (summary.patients, summary.computed, summary.refused) == (6, 5, 1)
    assert [str(b) for b in bad] == ["row 7 (id 'p1'): id: is a duplicate of an earlier row; ids must be unique"]
    assert [r["id"] for r in read("".join(out))] == [f"p{i}" for i in range(5)]


def test_output_file_absent_after_a_failure_and_whole_after_success(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    missing = run("cohort", "-", "--output", str(target), stdin="name,mass\nx,70 kg\n")
    assert missing.exit_code == 2, missing.output
    assert missing.stderr.splitlines()[0] == "error: PATIENTS: has no 'id' or 'weight' column (header: 'name,mass')"
    assert not target.exists() and list(tmp_path.iterdir()) == []
    all_bad = run("cohort", "-", "--output", str(target), stdin="id,weight\nx,70\n")
    assert all_bad.exit_code == 2, all_bad.output
    assert list(tmp_path.iterdir()) == []
    ok = run("cohort", "-", "--output", str(target), stdin="id,weight\nx,70 kg\n")
    assert ok.exit_code == 0, ok.output
    assert ok.stdout == ""
    assert len(read(target.read_text(encoding="utf-8"))) == PER_PATIENT


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("", "error: PATIENTS: is empty; expected a CSV file with a header row 'id,weight'"),
        (
            "id;weight\nx;70 kg\n",
            "error: PATIENTS: has no 'id' or 'weight' column (header: 'id;weight'); the file seems "
            "to use ';' between columns: save it as comma-separated values",
        ),
        (
            "id,weight," + "x" * 140_000 + "\nx,70 kg\n",
            "error: PATIENTS: is not valid CSV near line 1 (field larger than field limit (131072))",
        ),
    ],
    ids=["empty", "semicolons", "header-cell-too-long"],
)
def test_unusable_files_are_refused_whole(stdin: str, message: str) -> None:
    result = run("cohort", "-", stdin=stdin)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [message]


def test_missing_file_is_one_line() -> None:
    result = run("cohort", "/nonexistent/patients.csv")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: PATIENTS: cannot read /nonexistent/patients.csv (No such file or directory)"
    ]


WEIGHT_TEXTS = st.one_of(
    st.builds(
        lambda x, u: f"{x} {u}",
        st.floats(0.01, 2000).map(lambda v: round(v, 2)),
        st.sampled_from(["kg", "lb", "lbs", "g", "mg", "h", "KG", "kgs", "kg kg"]),
    ),
    st.builds(lambda x, u: f"{x}{u}", st.integers(0, 900), st.sampled_from(["kg", "lb", " kg ", ""])),
    st.sampled_from(["70,5 kg", "80 90 kg", "nan kg", "1e3 g", "7e1 kg", "٧٠ kg", "70 kg;", "", " ", "-70 kg"]),
    st.text(max_size=12),
)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(WEIGHT_TEXTS, min_size=1, max_size=40))
def test_every_weight_is_read_as_the_strict_parser_reads_it(texts: list[str]) -> None:
    """The chunked fast path never accepts what the strict parser refuses, nor reads a number differently."""
    from dosecalc.errors import QuantityError
    from dosecalc.units import WEIGHT, parse_quantity

    rows = "".join(f"p{i},{json_csv(text)}\n" for i, text in enumerate(texts))
    out: list[str] = []
    bad: list[BadRow] = []
    plans = [make_plan(load_catalogue().get("rate-22-mg-h"), WhatIf())]
    run_cohort(io.StringIO("id,weight\n" + rows), out.append, plans, bad.append, chunk_size=7)
    computed = {r["id"]: float(r["weight_kg"]) for r in read("".join(out))}
    refused = {b.id for b in bad}
    for i, text in enumerate(texts):
        pid = f"p{i}"
        if not text.strip() and pid not in computed:
            assert pid in refused or not any(ch.strip() for ch in text)
            continue
        try:
            expected = float(parse_quantity(text, WEIGHT).magnitude)
        except QuantityError:
            assert pid not in computed, text
            continue
        assert computed[pid] == expected, text


def json_csv(text: str) -> str:
    """A CSV cell holding ``text`` exactly (quoted, quotes doubled)."""
    return '"' + text.replace('"', '""') + '"'


def _csv_rows(text: str, size: int) -> list[tuple[int, str, str, bool]] | str:
    """What the cohort reader makes of ``text`` after its header 'id,weight,ward': (row number, id cell,
    weight cell, whole) per non-blank row, or the error message."""
    from dosecalc.cohorts import _chunks, _Layout
    from dosecalc.errors import DoseCalcError

    source = io.StringIO("id,weight,ward\n" + text, newline="")
    header = csv.reader(source)
    next(header)
    try:
        return [
            (int(row), id_, weight, bool(whole))
            for chunk in _chunks(iter(source), size, _Layout(3, 0, 1), header.line_num)
            for row, id_, weight, whole in zip(chunk.rows, chunk.ids, chunk.texts, chunk.whole, strict=True)
        ]
    except DoseCalcError as error:
        return error.problem


def _reference_rows(text: str) -> list[tuple[int, str, str, bool]] | str:
    """The same, read record by record by the csv module (the header is row 1, blank rows are counted)."""
    reader = csv.reader(io.StringIO("id,weight,ward\n" + text, newline=""))
    rows = []
    try:
        for number, cells in enumerate(reader, start=1):
            if number > 1 and any(cells):  # a row of empty cells (",,") is blank, as a spreadsheet saves one
                whole = len(cells) == 3
                rows.append((number, cells[0] if whole else "", cells[1] if whole else "", whole))
    except csv.Error as error:
        return f"is not valid CSV near line {reader.line_num} ({error})"
    return rows


def _written(rows: list[list[str]], ending: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=ending).writerows(rows)
    return out.getvalue()


CELLS = st.text(alphabet=st.sampled_from(list('a7 ,"\r\n')), max_size=4)
CSV_BODIES = st.one_of(
    st.text(alphabet=st.sampled_from(list('a7 .,"\r\n\x00')), max_size=60),  # anything, mostly broken
    st.builds(_written, st.lists(st.lists(CELLS, min_size=1, max_size=4), max_size=8), st.sampled_from(["\n", "\r\n"])),
    st.lists(st.sampled_from(["p1,70 kg,A\n", "p2,80 kg,B\r\n", "\n", "p3,9 lb\n", "p4,1,2,3\n"]), max_size=12).map(
        "".join
    ),
)


@settings(max_examples=400, deadline=None)
@given(body=CSV_BODIES, size=st.integers(1, 5))
def test_the_chunked_reader_reads_what_the_csv_module_reads(body: str, size: int) -> None:
    """Plain lines are split with string methods, the rest by the csv module: the rows, their numbers and
    the errors are those of reading the file record by record with the csv module."""
    assert _csv_rows(body, size) == _reference_rows(body)


NUMBER_TEXTS = st.builds(
    lambda whole, fraction, exponent: whole + (f".{fraction}" if fraction else "") + exponent,
    st.from_regex(r"[0-9]{1,25}", fullmatch=True),
    st.from_regex(r"[0-9]{0,25}", fullmatch=True),
    st.one_of(st.just(""), st.from_regex(r"[eE][+-]?[0-9]{1,3}", fullmatch=True)),
)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.one_of(NUMBER_TEXTS, st.just("")), min_size=1, max_size=30))
def test_a_column_of_numbers_is_read_as_float_reads_each(texts: list[str]) -> None:
    """The column reader (orjson when it can) gives exactly float(text) for every number, NaN for none."""
    import math

    from dosecalc.cohorts import _numbers

    got = _numbers(texts).tolist()
    assert len(got) == len(texts)
    for text, value in zip(texts, got, strict=True):
        if text:
            assert value == float(text), text
        else:
            assert math.isnan(value)


PLAINISH_TEXTS = st.one_of(
    st.builds(lambda n, w: f"{n} {w}", NUMBER_TEXTS, st.sampled_from(["kg", "lb", "KG", "g", "x"])),
    st.text(alphabet=st.sampled_from(list("07.eE+- kgl\n")), max_size=8),
)


@settings(max_examples=400, deadline=None)
@given(texts=st.lists(PLAINISH_TEXTS, min_size=1, max_size=6))
def test_a_weight_column_splits_as_each_text_would(texts: list[str]) -> None:
    """Splitting a whole column at once gives each text's number and unit word as matching it alone does."""
    from dosecalc.cohorts import _SIMPLE, _split_number_unit

    alone = [(m[1], m[2]) if (m := _SIMPLE.fullmatch(t)) else ("", "") for t in texts]
    numbers, words = _split_number_unit(texts)
    assert list(zip(numbers, words, strict=True)) == alone


@settings(max_examples=200, deadline=None)
@given(chunks=st.lists(st.lists(st.integers(-50, 50), max_size=12), max_size=30))
def test_the_id_hashes_seen_answer_membership_like_a_set(chunks: list[list[int]]) -> None:
    """Membership after any sequence of chunks is that of a set of everything added, a value repeated in a
    chunk is marked from its second time on, and the sorted runs stay few (each at least GROWTH times the
    next)."""
    import numpy as np

    from dosecalc.cohorts import _IdHashes

    seen, added = _IdHashes(), set()
    for chunk in chunks:
        values = np.array(chunk, dtype=np.int64)
        repeated, earlier = seen.duplicates(values)
        assert earlier.tolist() == [v in added for v in chunk]
        assert repeated.tolist() == [v in chunk[:i] for i, v in enumerate(chunk)]
        seen.add(values)
        added.update(chunk)
        sizes = [run.size for run in seen.runs]
        assert all(a >= _IdHashes.GROWTH * b for a, b in itertools.pairwise(sizes)), sizes
        assert all((np.diff(run) >= 0).all() for run in seen.runs)
    assert sum(run.size for run in seen.runs) == sum(len(chunk) for chunk in chunks)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(
        st.lists(
            st.sampled_from([b"a", b"7", b",", b"\xc3\xa9", b"\xe2\x82\xac", b"\xe9", b"\xc3", b"\xff"]), max_size=6
        ),
        max_size=8,
    ),
    block_size=st.integers(1, 9),
)
def test_the_utf8_check_names_the_first_bad_line_whatever_the_blocks(lines: list[list[bytes]], block_size: int) -> None:
    """ASCII, two- and three-byte characters (é, €) and bytes that are not UTF-8 (a Latin-1 é, a cut é,
    0xff), read in blocks of any size: the line named is the first that does not decode on its own."""
    from dosecalc.errors import DoseCalcError
    from dosecalc.files import check_utf8

    data = b"\n".join(b"".join(parts) for parts in lines)
    bad = [number for number, line in enumerate(data.split(b"\n"), start=1) if not _decodes(line)]
    if not bad:
        check_utf8(io.BytesIO(data), "patients", block_size)
        return
    with pytest.raises(DoseCalcError) as raised:
        check_utf8(io.BytesIO(data), "patients", block_size)
    assert f"is not UTF-8 text (line {bad[0]} has the byte " in str(raised.value)


def _decodes(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_a_file_with_a_late_bad_byte_is_refused_before_any_row_is_written(tmp_path: Path) -> None:
    """Standard output gets nothing (not half a cohort) when a named file is not UTF-8 further down."""
    source = tmp_path / "patients.csv"
    rows = "".join(f"p{i},70 kg\n" for i in range(30_000))
    source.write_bytes(b"id,weight\n" + rows.encode() + b"caf\xe9,70 kg\n")
    result = run("cohort", str(source))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: PATIENTS: is not UTF-8 text (line 30002 has the byte 0xe9); save the CSV as UTF-8"
    ]


def test_a_class_sheet_keeps_its_columns_and_may_give_the_unit_in_the_weight_column_name() -> None:
    text = 'id,name,Weight (lb),class\np1,Ann,154,A\np2,"Bo, Jr",265,B\np3,Cy,70 kg,A\n'
    result = run("cohort", "-", "-r", "rate-0.35-mg-kg-h", "--keep", "name", "--keep", "class", stdin=text)
    assert result.exit_code == 1, result.output  # p3's '70 kg' in a pound column is refused, not guessed
    rows = read(result.stdout)
    assert list(rows[0])[:4] == ["id", "name", "class", "regimen"] and list(rows[0])[-1] == "cap_binds"
    assert [(r["id"], r["name"], r["class"]) for r in rows] == [("p1", "Ann", "A"), ("p2", "Bo, Jr", "B")]
    # 154 lb x 0.45359237 = 69.85322498 kg: 0.35 x 69.853 = 24.449 mg/h, under the cap;
    # 265 lb = 120.20197805 kg: 0.35 x 120.2 = 42.07 mg/h, so the 25 mg/h cap binds
    assert float(rows[0]["weight_kg"]) == pytest.approx(154 * POUND_IN_KG, rel=1e-15)
    assert [r["cap_binds"] for r in rows] == ["no", "yes"]
    assert float(rows[1]["rate_mg_per_h"]) == 25.0
    assert "row 4 (id 'p3'): weight: '70 kg lb' has more than one unit" in result.stderr
    assert "ignored column" not in result.stderr


def test_a_drop_factor_adds_the_drip_column_as_table_does() -> None:
    text = "id,weight_kg\np1,70\n"
    result = run("cohort", "-", "--concentration", "2 mg/mL", "--drop-factor", "20 gtt/mL", stdin=text)
    assert result.exit_code == 0, result.output
    rows = read(result.stdout)
    # 22 mg/h / 2 mg/mL = 11 mL/h; x 20 gtt/mL / 60 min/h = 3.6667 gtt/min
    assert float(rows[0]["drip_rate_gtt_per_min"]) == pytest.approx(11 * 20 / 60, rel=1e-12)
    table = run("table", "--weight", "70 kg", "-c", "2 mg/mL", "--drop-factor", "20 gtt/mL", "-f", "json").json()
    for row, expected in zip(rows, table["rows"], strict=True):
        assert float(row["drip_rate_gtt_per_min"]) == expected["drip_rate"]["value"]


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        ("id,weight\np1,70 kg\n", ["--keep", "ward"], "error: --keep: 'ward' is not a column of the file"),
        ("id,weight\np1,70 kg\n", ["--keep", "weight"], "error: --keep: 'weight' is in every output already"),
        ("id,weight,weight_kg\np1,70 kg,70\n", [], "error: PATIENTS: has more than one weight column"),
        ("id,weight\np1,70 kg\n", ["-r", "rate-22-mg-h", "--drop-factor", "20 gtt/mL"], "error: --drop-factor: a drip"),
    ],
    ids=["unknown-column", "weight-kept", "two-weight-columns", "drip-without-concentration"],
)
def test_cohort_options_that_cannot_apply_are_refused(text: str, args: list[str], message: str) -> None:
    result = run("cohort", "-", *args, stdin=text)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message), result.output
    assert result.stdout == ""
