"""The writers, tested directly: rounding for people, notes, the format table, Markdown and terminal text,
and whole-or-nothing files."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dosecalc
from dosecalc import DISCLAIMER, formats
from dosecalc.errors import DoseCalcError
from dosecalc.files import check_suffix, read_text, write_atomic
from dosecalc.results import Result
from dosecalc.units import Q_
from dosecalc.wording import numbers, words

from ..helpers import GOOD

ROUNDING = [
    # (value, places, shown): half up, as taught, with a leading zero and without trailing zeros
    (5.5, 0, "6"),
    (4.5, 0, "5"),
    (0.05, 1, "0.1"),
    (0.25, 1, "0.3"),
    (2.675, 2, "2.68"),  # binary 2.67499999... is read to 12 significant figures first
    (24.448628743, 1, "24.4"),
    (97.794514972, 1, "97.8"),
    (5.0, 1, "5"),
    (0.5, 2, "0.5"),
    (1234.5, 1, "1,234.5"),
    (999.96, 1, "1,000"),
    (0.0, 1, "0"),
]


@pytest.mark.parametrize(("value", "places", "shown"), ROUNDING, ids=[f"{v}-to-{p}" for v, p, _ in ROUNDING])
def test_number_rounds_half_up_with_leading_zero_and_no_trailing_zero(value: float, places: int, shown: str) -> None:
    assert numbers.number(value, places) == shown


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_shown_numbers_never_have_a_bare_point_or_a_trailing_zero(value: float) -> None:
    shown = numbers.number(value, 2)
    assert not shown.startswith(".")
    if "." in shown:
        assert not shown.endswith("0") and not shown.endswith(".")


def test_display_rules_by_unit() -> None:
    # volumes to 0.1 mL, and to 0.01 mL below 1 mL; drips to whole drops; per-kg figures to 3 significant figures
    assert numbers.show(Q_(48.897257486, "mL"), "mL") == "48.9 mL"
    assert numbers.show(Q_(0.456, "mL"), "mL") == "0.46 mL"
    assert numbers.show(Q_(4.0747714, "gtt/min"), "gtt/min") == "4 gtt/min"
    assert numbers.show(Q_(0.314285714, "mg/kg/h"), "mg/kg/h") == "0.314 mg/kg/h"
    assert numbers.show(Q_(1.2, "g/h"), "mg/h") == "1,200 mg/h"  # 1.2 g/h = 1,200 mg/h
    assert numbers.clock(1.25) == "1:15" and numbers.clock(0.5 + 1 / 3600) == "0:30:01"
    assert numbers.duration(Q_(30, "min")) == "30 min" and numbers.duration(Q_(96, "h")) == "4 days"


def test_every_subject_has_its_formats_and_an_unknown_format_is_refused() -> None:
    assert formats.formats("dose_table") == ("table", "csv", "json", "markdown", "html")
    assert formats.formats("sheet") == ("markdown", "json", "html", "moodle", "gift", "canvas", "qti21")
    writers = {(row.module, row.writer) for row in formats.FORMATS}
    for module, name in writers:  # every entry of the table names a writer that exists
        assert callable(getattr(__import__(module, fromlist=[name]), name)), (module, name)

    class Fake(Result):
        subject = "dose_table"

    with pytest.raises(DoseCalcError) as raised:
        Fake().as_text("pdf")
    assert raised.value.field == "format"
    assert "'pdf' is not a format of this result; expected one of table, csv, json, markdown, html" in str(raised.value)


def test_notes_name_no_command_line_option() -> None:
    import dosecalc

    table = dosecalc.table("120 kg", no_cap=True, duration="5 h", sessions=3, drop_factor="20 gtt/mL")
    notes = [note for row in table for note in words.row_notes(row)]
    assert notes, "the what-ifs above give notes"
    assert not [note for note in notes if "--" in note]
    assert any(note.startswith("What-if: no rate cap") for note in notes)
    assert table.to_dicts()["patient"]["weight_given"] == "120 kg"
    reference = dosecalc.table().to_dicts()["patient"]
    assert reference["note"] == "No weight given: a 70 kg reference adult is used."


def _teacher_card(tmp_path: Path, title: str) -> Path:
    folder = tmp_path / "cards"
    folder.mkdir()
    text = GOOD.replace('title = "Teaching example: 1 mg/kg over 1 hour"', f"title = {title!r}")
    (folder / "mine.toml").write_text(text, encoding="utf-8")
    return folder


def test_card_text_is_never_markup_in_a_terminal_table(tmp_path: Path) -> None:
    import dosecalc

    folder = _teacher_card(tmp_path, "[/i] closing tag and [high dose] | pipe")
    cards = dosecalc.cards(folder, builtin=False)
    terminal = cards.as_text("table", width=200)
    assert "[/i] closing tag and [high dose]" in terminal  # shown as typed, not read as rich markup
    markdown = cards.as_text("markdown")
    assert "\\[high dose\\] \\| pipe" in markdown  # shown as written: no link can open, a | cannot end a cell
    assert markdown.startswith(f"> **{DISCLAIMER}**")
    page = cards.as_text("html")
    assert DISCLAIMER in page and "\\|" not in page


def test_print_shows_the_terminal_table_with_the_disclaimer() -> None:
    import dosecalc

    buffer = io.StringIO()
    print(dosecalc.table("70 kg", "rate-22-mg-h"), file=buffer)
    text = buffer.getvalue()
    assert text.count(DISCLAIMER) == 2  # above and below the table
    assert "rate-22-mg-h" in text and "88" in text  # 22 mg/h x 4 h = 88 mg


def test_write_atomic_leaves_the_old_file_when_the_folder_is_missing(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomic(target, "first\n")
    assert target.read_text(encoding="utf-8") == "first\n"
    with pytest.raises(DoseCalcError) as raised:
        write_atomic(tmp_path / "missing" / "out.txt", "x", field="errors")
    assert raised.value.field == "errors" and "does not exist" in raised.value.problem
    write_atomic(target, b"\x89PNG")
    assert target.read_bytes() == b"\x89PNG"
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]  # no temporary file left behind


def test_read_text_is_strict_utf8_bounded_and_drops_a_bom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "answers.csv"
    path.write_bytes(b"\xef\xbb\xbfproblem,answer\n1,88\n")
    assert read_text(path, "answers") == "problem,answer\n1,88\n"
    path.write_bytes(b"problem,answer\n1,caf\xe9\n")
    with pytest.raises(DoseCalcError, match=r"line 2 has the byte 0xe9"):
        read_text(path, "answers")
    path.write_bytes(b"x" * 2048)
    with pytest.raises(DoseCalcError, match="is larger than 1 KiB"):
        read_text(path, "answers", limit=1024)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xef\xbb\xbfproblem,answer\n"), encoding="utf-8"))
    assert read_text("-", "answers") == "problem,answer\n"  # a BOM is dropped from stdin too


def test_check_suffix_names_the_field() -> None:
    assert check_suffix(Path("chart.SVG"), (".png", ".svg"), "plot") == ".svg"
    with pytest.raises(DoseCalcError) as raised:
        check_suffix(Path("chart.jpg"), (".png", ".svg"), "plot")
    assert raised.value.field == "plot"
    assert raised.value.problem == "'chart.jpg' should end in .png or .svg"


def test_a_cap_note_shows_enough_digits_to_see_why_it_binds() -> None:
    import dosecalc

    row = dosecalc.table("71.43 kg", "rate-0.35-mg-kg-h").rows[0]
    # 0.35 mg/kg/h x 71.43 kg = 25.0005 mg/h, above the 25 mg/h cap: at 0.1 mg/h both would read 25
    assert row.cap_binds
    assert "The 25 mg/h cap binds: uncapped rate 25.001 mg/h, so the rate is 25 mg/h." in words.row_notes(row)
    heavy = dosecalc.table("120 kg", "rate-0.35-mg-kg-h").rows[0]
    assert "uncapped rate 42 mg/h" in words.row_notes(heavy)[0]  # 0.35 x 120 = 42: one place is enough


def test_every_schedule_for_people_says_its_figures_are_rounded_from_unrounded_values() -> None:
    import dosecalc

    schedule = dosecalc.schedule("rate-0.35-mg-kg-h", "154 lb", step="1 h")
    for fmt in ("markdown", "table", "html"):
        assert "rounded for display from unrounded values" in schedule.as_text(fmt), fmt
    assert "rounded for display" not in schedule.as_text("csv")


def test_text_columns_align_left_and_numbers_right() -> None:
    import dosecalc

    markdown = dosecalc.cards().as_text("markdown").splitlines()
    # ID, Title, Kind, Documented dose, Duration, Sessions, Rate cap, First source: only Sessions is all numbers
    assert markdown[3] == "|:---|:---|:---|:---|:---|---:|:---|:---|"
    table = dosecalc.table("120 kg", "rate-0.35-mg-kg-h").as_text("markdown").splitlines()
    assert table[5].startswith("|:---|---:|---:|")  # "25 (cap)" is a number; the regimen id is text


def test_a_bad_byte_after_a_byte_order_mark_is_named_rightly(tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    path.write_bytes(b"\xef\xbb\xbfproblem,answer\n1,caf\xe9\n")  # the BOM is 3 bytes the decoder drops
    with pytest.raises(DoseCalcError, match=r"line 2 has the byte 0xe9"):
        read_text(path, "answers")


def test_markdown_from_user_text_opens_no_link_or_image() -> None:
    from dosecalc.render.text import _md_escape

    assert _md_escape("[a](javascript:x) ![](http://host/x.png)") == "\\[a\\](javascript:x) !\\[\\](http://host/x.png)"
    assert _md_escape("<img src=x>|") == "&lt;img src=x&gt;\\|"


def test_markdown_worked_steps_keep_each_cards_heading_out_of_the_list_above_it() -> None:
    """Each card's heading once followed the previous card's last step directly, and Markdown read it as part
    of that list item: parsed here by markdown-it (rich's own Markdown parser)."""
    from markdown_it import MarkdownIt

    text = dosecalc.table(regimen=["rate-22-mg-h", "total-80-mg-5-h"], explain=True).as_text("markdown")
    tokens = MarkdownIt().parse(text)
    depth = 0
    headings_in_lists = []
    for token in tokens:
        if token.type in ("ordered_list_open", "bullet_list_open"):
            depth += 1
        elif token.type in ("ordered_list_close", "bullet_list_close"):
            depth -= 1
        elif token.type == "inline" and token.content in ("**rate-22-mg-h**", "**total-80-mg-5-h**"):
            headings_in_lists.append((token.content, depth))
    assert headings_in_lists == [("**rate-22-mg-h**", 0), ("**total-80-mg-5-h**", 0)]


# --------------------------------------------------------------------------------------- fitting a terminal


def _cells_whole(text: str, *cells: str) -> None:
    for cell in cells:
        assert cell in text, f"{cell!r} is broken across lines or missing"


@pytest.mark.parametrize("width", [80, 100, 120, 140])
def test_a_terminal_table_fits_its_width_without_breaking_a_figure(width: int) -> None:
    text = dosecalc.table("70 kg").as_text("table", width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    # By hand, 70 kg: rate-0.35-mg-kg-h is 0.35 x 70 = 24.5 mg/h, 24.5 x 4 h = 98 mg a session, 10 sessions =
    # 980 mg; rate-22-mg-h-4-days is 22 mg/h x 96 h = 2,112 mg in its one session.
    _cells_whole(text, "24.5", "980 (10 x)" if width > 80 else "980 mg (10 x)", "2,112")


def test_a_narrow_terminal_leaves_out_the_per_kg_columns_first_and_says_so() -> None:
    wide = dosecalc.table("70 kg").as_text("table", width=200)
    assert "Rate per" in wide and "Left out" not in wide
    narrow = dosecalc.table("70 kg").as_text("table", width=120)
    header = " ".join(line for line in narrow.splitlines() if line.startswith("┃"))
    assert "Rate" in header and "Rate per" not in header and "kg" not in header
    said = [line for line in narrow.splitlines() if line.startswith("Left out")]
    assert said == [f"Left out to fit 120 columns: Rate per kg, Dose per kg ({words.EVERY_COLUMN})."]
    assert "Pump" in narrow and "Course" in narrow, "only the columns that follow from others are left out"


def test_a_terminal_too_narrow_for_a_table_gives_each_row_its_figures_in_a_line() -> None:
    text = dosecalc.table("70 kg").as_text("table", width=80)
    assert "┃" not in text
    lines = text.splitlines()
    rows = lines[: next(n for n, line in enumerate(lines) if line.startswith("Notes"))]
    assert max(len(line) for line in lines) <= 80 and all(line == line.rstrip() for line in rows)
    row = lines.index("rate-22-mg-h")
    # By hand: 22 mg/h for 4 h = 88 mg; 22 / 70 kg = 0.3143 -> 0.314 mg/kg/h; 88 / 70 = 1.257 -> 1.26 mg/kg.
    figures = " ".join(lines[row + 1 : row + 3])
    assert figures.split("; ")[:3] == ["  Rate 22 mg/h", "Rate per kg 0.314 mg/kg/h", "Duration 4 h"]
    assert lines[row + 1].endswith(";") and lines[row + 2].startswith("  "), "a row's figures run on, indented"
    assert "Dose per kg 1.26 mg/kg" in figures and "Course total 88 mg (1 x)" in figures
    assert "Concentration" not in figures, "a figure the row has not got is not listed"
    assert text.startswith(DISCLAIMER) and text.rstrip().endswith(DISCLAIMER)


def test_a_table_that_fits_is_drawn_as_rich_lays_it_out() -> None:
    text = dosecalc.schedule("total-80-mg-5-h", "70 kg").as_text("table", width=200)
    header = next(line for line in text.splitlines() if line.startswith("┃") and "Time" in line)
    assert "Cumulative dose" in header.replace("┃", " ") or "Cumulative" in header
    assert "Left out" not in text
