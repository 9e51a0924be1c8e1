"""The table of formats: one row per (subject, format), read by results, the command line and the web page."""

from __future__ import annotations

import pytest

import dosecalc
from dosecalc import formats
from dosecalc.errors import DoseCalcError
from dosecalc.formats import Format


@pytest.fixture
def tsv(monkeypatch: pytest.MonkeyPatch) -> Format:
    """A new format, added the way a contributor adds one: a writer (tests/render/tsv_writer.py) and one row."""
    row = Format("dose_table", "tsv", "tests.render.tsv_writer", "dose_tsv", "tsv", "text/tab-separated-values")
    monkeypatch.setattr(formats, "FORMATS", (*formats.FORMATS, row))
    return row


def test_a_new_format_is_a_writer_and_one_row(tsv: Format) -> None:
    table = dosecalc.table("50 kg", "rate-0.35-mg-kg-h")
    assert "tsv" in table.formats()
    assert "tsv" in formats.choices("dose_table")
    lines = table.as_text("tsv").splitlines()
    assert lines[0] == dosecalc.DISCLAIMER
    assert lines[1].split("\t")[:2] == ["Regimen", "Rate (mg/h)"]
    # 0.35 mg/kg/h x 50 kg = 17.5 mg/h (below the 25 mg/h cap); x 4 h = 70 mg a session
    cells = lines[2].split("\t")
    assert cells[:2] == ["rate-0.35-mg-kg-h", "17.5"]
    assert "70" in cells
    assert table.to_bytes("tsv") == table.as_text("tsv").encode("utf-8")
    assert formats.find("dose_table", "tsv").media_type == "text/tab-separated-values"


def test_without_its_row_the_new_format_is_refused() -> None:
    with pytest.raises(DoseCalcError) as raised:
        dosecalc.table("50 kg", "rate-0.35-mg-kg-h").as_text("tsv")
    assert raised.value.field == "format"
    assert "'tsv' is not a format of this result" in str(raised.value)


def test_the_command_lines_choices_are_the_tables() -> None:
    """Each command's --format offers exactly the table's formats for its results that are marked for it."""
    from dosecalc.cli import options

    pairs = [
        (options.TableFormat, ("dose_table",)),
        (options.ScheduleFormat, ("schedule",)),
        (options.CardsFormat, ("cards",)),
        (options.SimulationFormat, ("simulation",)),
        (options.SheetFormat, ("sheet", "sheets", "variants")),
        (options.CheckFormat, ("marks", "class_marks")),
    ]
    for enum, subjects in pairs:
        assert tuple(choice.value for choice in enum) == formats.choices(*subjects), subjects


@pytest.mark.parametrize("row", formats.FORMATS, ids=lambda row: f"{row.subject}-{row.name}")
def test_every_row_names_a_writer_and_says_how_it_is_served(row: Format) -> None:
    assert callable(formats._function(row.module, row.writer))
    assert row.suffix and "/" in row.media_type
    assert row.binary == (row.media_type == "application/zip")
    assert row.machine == (row.name in ("csv", "json"))
