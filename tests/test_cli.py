"""The command line: every command and format, the JSON contract, errors and whole-or-nothing files."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecalc import DISCLAIMER
from dosecalc.units import POUND_IN_KG

from .helpers import BUILTIN_IDS, WORKED_EXAMPLE, assert_quantity_close, run, value

IDS = list(BUILTIN_IDS)


def rows_by_id(document: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {row["regimen"]: row for row in document["rows"]}


def test_table_without_arguments_uses_the_reference_adult_and_says_so() -> None:
    result = run("table")
    assert result.exit_code == 0, result.output
    assert "reference adult" in result.stdout
    assert DISCLAIMER in result.stdout
    for regimen in IDS:
        assert regimen in result.stdout
    assert result.stderr == ""


def test_table_json_contract_for_154_lb_with_a_preparation_and_drop_factor() -> None:
    result = run("table", *WORKED_EXAMPLE, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = result.json()
    assert doc["disclaimer"] == DISCLAIMER
    kg = 154 * POUND_IN_KG  # 69.85322498 kg
    assert_quantity_close(value(doc["patient"]["weight"], "kg"), value({"value": kg, "unit": "kg"}, "kg"), 1e-12)
    rows = rows_by_id(doc)
    assert list(rows) == IDS
    row = rows["rate-0.35-mg-kg-h"]
    assert row["sessions"] == 10
    # 0.35 x 69.85322498 = 24.448628743 mg/h; x 4 h = 97.794514972 mg; x 10 = 977.94514972 mg
    assert value(row["rate"], "mg/h").magnitude == pytest.approx(24.448628743, rel=1e-12)
    assert value(row["rate_per_kg"], "mg/kg/h").magnitude == pytest.approx(0.35, rel=1e-12)
    assert value(row["duration"], "h").magnitude == pytest.approx(4, rel=1e-15)
    assert value(row["total_dose"], "mg").magnitude == pytest.approx(97.794514972, rel=1e-12)
    assert value(row["total_dose_per_kg"], "mg/kg").magnitude == pytest.approx(1.4, rel=1e-12)
    assert value(row["course_total_dose"], "mg").magnitude == pytest.approx(977.94514972, rel=1e-12)
    # 100 mg / 50 mL = 2 mg/mL; 24.448628743 / 2 = 12.2243143715 mL/h; x 20 / 60 = 4.07477145717 gtt/min
    assert value(row["concentration"], "mg/mL").magnitude == pytest.approx(2, rel=1e-15)
    assert value(row["pump_rate"], "mL/h").magnitude == pytest.approx(12.2243143715, rel=1e-12)
    assert value(row["volume"], "mL").magnitude == pytest.approx(48.897257486, rel=1e-12)
    assert value(row["drip_rate"], "gtt/min").magnitude == pytest.approx(12.2243143715 * 20 / 60, rel=1e-12)
    assert "uncapped_rate" not in row
    assert isinstance(row["notes"], list)
    # the given concentration replaces the card's documented preparation: 16 mg/h / 2 mg/mL = 8 mL/h
    assert value(rows["total-80-mg-5-h"]["pump_rate"], "mL/h").magnitude == pytest.approx(8, rel=1e-15)


def test_binding_cap_is_reported_with_the_uncapped_rate() -> None:
    doc = run("table", "--weight", "120 kg", "--regimen", "rate-0.35-mg-kg-h", "--format", "json").json()
    row = doc["rows"][0]
    assert value(row["rate"], "mg/h").magnitude == pytest.approx(25, rel=1e-15)
    assert value(row["uncapped_rate"], "mg/h").magnitude == pytest.approx(42, rel=1e-15)  # 0.35 x 120
    assert any("cap binds" in note for note in row["notes"])
    nocap = run("table", "--weight", "120 kg", "--regimen", "rate-0.35-mg-kg-h", "--no-cap", "--format", "json")
    assert value(nocap.json()["rows"][0]["rate"], "mg/h").magnitude == pytest.approx(42, rel=1e-15)


def test_what_if_duration_and_sessions_are_flagged() -> None:
    doc = run(
        "table",
        "--weight",
        "70 kg",
        "--regimen",
        "rate-22-mg-h",
        "--duration",
        "96 h",
        "--sessions",
        "2",
        "--format",
        "json",
    ).json()
    row = doc["rows"][0]
    assert value(row["total_dose"], "mg").magnitude == pytest.approx(2112, rel=1e-15)  # 22 mg/h x 96 h
    assert value(row["course_total_dose"], "mg").magnitude == pytest.approx(4224, rel=1e-15)  # x 2 sessions
    assert row["notes"][0] == "What-if duration 4 days (documented: 4 h)."
    assert row["notes"][1] == "What-if course of 2 session(s) (documented: 1)."


def test_documented_preparation_is_used_and_said() -> None:
    doc = run("table", "--regimen", "total-80-mg-5-h", "--format", "json").json()
    row = doc["rows"][0]
    assert value(row["pump_rate"], "mL/h").magnitude == pytest.approx(100, rel=1e-15)  # 16 mg/h / 0.16 mg/mL
    assert "Pump figures use the card's documented preparation: 80 mg in 500 mL (0.16 mg/mL)." in row["notes"]


def test_table_csv_has_units_in_headers_and_full_precision() -> None:
    result = run("table", "--weight", "154 lb", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["regimen"] for r in rows] == IDS
    assert float(rows[1]["rate_mg_per_h"]) == pytest.approx(24.448628743, rel=1e-12)
    assert rows[1]["rate_mg_per_h"] == repr(0.35 * (154 * POUND_IN_KG))
    assert "rate_mg_per_kg_per_h" in rows[0] and "course_total_dose_mg" in rows[0]
    assert "not a prescribing tool" in result.stderr


def test_markdown_carries_disclaimer_units_and_display_rounding() -> None:
    result = run("table", "--weight", "154 lb", "--format", "markdown")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith(f"> **{DISCLAIMER}**")
    assert "| Regimen | Rate (mg/h) | Rate per kg (mg/kg/h) |" in text
    # 24.448628743 mg/h shows as 24.4; 977.94514972 mg as 977.9; 0.35 as 0.35 (no trailing zero)
    line = next(line for line in text.splitlines() if line.startswith("| rate-0.35-mg-kg-h"))
    assert line.startswith("| rate-0.35-mg-kg-h | 24.4 | 0.35 | 4 | 97.8 | 1.4 | 977.9 (10 x) |")


def test_schedule_json_with_a_step_that_does_not_divide() -> None:
    result = run(
        "schedule",
        "initial-80-mg-2-h",
        "--weight",
        "70 kg",
        "--step",
        "45 min",
        "--concentration",
        "2 mg/mL",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    doc = result.json()
    assert doc["disclaimer"] == DISCLAIMER and doc["regimen"] == "initial-80-mg-2-h"
    times = [value(r["time"], "h").magnitude for r in doc["rows"]]
    assert times == pytest.approx([0, 0.75, 1.5, 2], rel=1e-15)
    last = doc["rows"][-1]
    assert value(last["cumulative_dose"], "mg").magnitude == pytest.approx(80, rel=1e-15)
    assert value(last["step_dose"], "mg").magnitude == pytest.approx(20, rel=1e-12)  # 40 mg/h x 0.5 h
    assert value(last["cumulative_dose_per_kg"], "mg/kg").magnitude == pytest.approx(80 / 70, rel=1e-12)
    assert value(last["pump_rate"], "mL/h").magnitude == pytest.approx(20, rel=1e-15)  # 40 / 2
    assert value(last["cumulative_volume"], "mL").magnitude == pytest.approx(40, rel=1e-15)


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv"])
def test_schedule_formats(fmt: str) -> None:
    result = run("schedule", "rate-22-mg-h", "--step", "1 h", "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert [float(r["cumulative_dose_mg"]) for r in rows] == [0, 22, 44, 66, 88]
    else:
        assert DISCLAIMER in result.stdout
        assert "4:00" in result.stdout


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_regimens_lists_the_built_in_cards(fmt: str) -> None:
    result = run("regimens", "--format", fmt)
    assert result.exit_code == 0, result.output
    for regimen in IDS:
        assert regimen in result.stdout
    if fmt == "json":
        doc = result.json()
        assert [c["id"] for c in doc["regimens"]] == IDS
        assert doc["regimens"][1]["max_rate"] == {"value": 25.0, "unit": "mg/h"}


def test_show_prints_sources_and_notes() -> None:
    result = run("show", "rate-0.35-mg-kg-h")
    assert result.exit_code == 0, result.output
    assert "Schwartzman" in result.stdout and "Rate cap: 25 mg/h" in result.stdout
    assert DISCLAIMER in result.stdout


def test_regimens_dir_adds_a_teachers_card(card_folder: Path) -> None:
    doc = run("table", "--weight", "80 kg", "--regimens-dir", str(card_folder), "--format", "json").json()
    rows = rows_by_id(doc)
    assert list(rows) == [*IDS, "teach-1-mg-kg-1-h"]  # the built-in cards, then the teacher's
    # 1 mg/kg x 80 kg = 80 mg over 1 h = 80 mg/h
    assert value(rows["teach-1-mg-kg-1-h"]["rate"], "mg/h").magnitude == pytest.approx(80, rel=1e-15)
    only = run("regimens", "--regimens-dir", str(card_folder), "--no-builtin", "--format", "json").json()
    assert [c["id"] for c in only["regimens"]] == ["teach-1-mg-kg-1-h"]


MISTAKES = [
    (["table", "--weight", "70 kg", "-w", "80 kg"], "error: --weight is given more than once; give it once"),
    (
        ["schedule", "rate-22-mg-h", "--step=1 h", "--step", "2 h"],
        "error: --step is given more than once; give it once",
    ),
    (["table", "--weight", "70,5 kg"], "error: --weight: '70,5 kg' uses a decimal comma; write 70.5 kg"),
    (
        ["table", "--weight", "70"],
        "error: --weight: '70' has no unit; expected a body weight in kg, g or lb such as 70 kg",
    ),
    (
        ["table", "--duration", "1 h", "--regimen", "initial-80-mg-2-h"],
        "error: --duration: 1 h is shorter than the minimum of 2 h for initial-80-mg-2-h; give 2 h or more",
    ),
    (
        ["table", "--regimen", "nope"],
        f"error: --regimen: unknown regimen 'nope'; known regimens: {', '.join(IDS)}",
    ),
    (
        ["table", "--concentration", "2 mg"],
        "error: --concentration: '2 mg' is a mass; expected a concentration (mass "
        "per volume) such as 2 mg/mL or 100 mg in 50 mL",
    ),
    (
        ["table", "--drop-factor", "20 gtt/mL", "--regimen", "rate-22-mg-h"],
        "error: --drop-factor: a drip rate needs a concentration, such as '2 mg/mL'",
    ),
    (
        ["table", "--max-rate", "25 mg/h", "--no-cap"],
        "error: --no-cap: cannot be combined with a what-if rate cap; choose one",
    ),
    (
        ["table", "--sessions", "0"],
        "error: --sessions: 0 is not a whole number from 1 to 365",
    ),
    (
        ["table", "--wieght", "70 kg"],
        "error: No such option: --wieght (Possible options: --weight) (see 'dosecalc table --help')",
    ),
    (
        ["schedule", "rate-22-mg-h", "--step", "0 min"],
        "error: --step: '0 min' is zero; expected a time step such as 15 min (more than zero)",
    ),
    (
        ["table", "--format", "pdf"],
        "error: Invalid value for '--format' / '-f': 'pdf' is not one of 'table', 'csv', "
        "'json', 'markdown'. (see 'dosecalc table --help')",
    ),
    (
        ["show", "nope"],
        f"error: REGIMEN: unknown regimen 'nope'; known regimens: {', '.join(IDS)}",
    ),
]


@pytest.mark.parametrize(("args", "message"), MISTAKES, ids=[" ".join(m[0]) for m in MISTAKES])
def test_mistakes_get_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [message]


def test_output_file_is_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "table.json"
    result = run("table", "--format", "json", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text(encoding="utf-8"))["disclaimer"] == DISCLAIMER
    assert [p.name for p in tmp_path.iterdir()] == ["table.json"]


def test_output_file_is_not_written_when_the_command_fails(tmp_path: Path) -> None:
    target = tmp_path / "table.json"
    result = run("table", "--weight", "70,5 kg", "--format", "json", "--output", str(target))
    assert result.exit_code == 2, result.output
    assert list(tmp_path.iterdir()) == []
    missing = run("table", "--output", str(tmp_path / "no" / "such" / "t.txt"))
    assert missing.exit_code == 2
    assert missing.stderr.startswith("error: --output: folder ")


def test_console_script_and_module_run_without_traceback() -> None:
    for command in ([sys.executable, "-m", "dosecalc", "table", "--weight", "7O kg"],):
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith("error: --weight: '7O kg'")
    ok = subprocess.run(
        [sys.executable, "-m", "dosecalc", "table", "--format", "json"], capture_output=True, text=True, timeout=60
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["patient"]["reference_adult"] is True


OPTIONS = ["--weight", "--duration", "--concentration", "--drop-factor", "--max-rate"]


@settings(max_examples=150, deadline=2000)
@given(option=st.sampled_from(OPTIONS), text=st.text(max_size=40))
def test_any_option_text_ends_in_a_table_or_one_line_exit_2(option: str, text: str) -> None:
    """Fuzzing the CLI: any text for any quantity option is read (exit 0) or refused on one line (exit 2)."""
    result = run(
        "table",
        option,
        text,
        "--concentration" if option == "--drop-factor" else "--format",
        "2 mg/mL" if option == "--drop-factor" else "json",
    )
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.output
        assert result.stderr.startswith("error: "), result.output


def test_bare_command_shows_the_help() -> None:
    result = run()
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: dosecalc")
    assert "not a prescribing tool" in result.stdout


@pytest.mark.parametrize(
    "command", ["regimens", "show", "table", "schedule", "cohort", "simulate", "exercises", "check", "plot", "report"]
)
def test_help_names_what_an_option_takes_in_words_not_python_types(command: str) -> None:
    """`--weight WEIGHT`, `--duration TIME`, `--output FILE`: not typer's `<str>`, `<list[str]>` or `<int range>`."""
    result = run(command, "--help")
    assert result.exit_code == 0, result.output
    options = [line for line in result.stdout.splitlines() if line.lstrip().startswith("-")]
    assert options, result.stdout
    for line in options:
        assert not re.search(r"<(str|path|int range|list\[str\])>", line), line


#: Options of the command line that feed no API parameter: how the result is written, the flag that the
#: API spells builtin=False, the flag that leaves out a teacher key named by the environment, and the word after
#: `dosecalc key` (new), which chooses the API function.
_FACE_ONLY = {
    "format",
    "output",
    "errors",
    "plot",
    "no_builtin",
    "gradebook",
    "items",
    "raw_csv",
    "practice",
    "action",
    "duplex",
    "feedback",
    "max_size",  # how an export is written: the results' save_parts(path, format, max_size), whose errors name it
}
#: The API function behind each command.
_API_OF = {"regimens": "cards", "show": "card", "check": "mark", "key": "new_teacher_key"}


def test_every_option_is_named_after_the_api_parameter_it_feeds() -> None:
    """The CLI reports a library error against the option of the same name, so the names must match."""
    import inspect

    import typer

    import dosecalc
    from dosecalc.cli.app import build

    group = typer.main.get_command(build())
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        if name == "serve":  # runs the web app, not an API operation; its errors name run()'s parameters
            from dosecalc.web.serve import run as function
        else:
            function = getattr(dosecalc, _API_OF.get(name, name))
        parameters = set(inspect.signature(function).parameters)
        options = {param.name for param in command.params} - _FACE_ONLY
        assert options <= parameters, (name, options - parameters)


def test_format_choices_are_the_formats_the_renderer_writes() -> None:
    from dosecalc import formats
    from dosecalc.cli import options

    pairs = [
        (options.TableFormat, "dose_table"),
        (options.ScheduleFormat, "schedule"),
        (options.CardsFormat, "cards"),
        (options.SimulationFormat, "simulation"),
        (options.SheetFormat, "sheet sheets variants"),  # exercises: a sheet, one per student, or variants
        (options.CheckFormat, "marks"),
        (options.CheckFormat, "class_marks"),
    ]
    for choices, subjects in pairs:
        written = {fmt for subject in subjects.split() for fmt in formats.formats(subject)}
        assert {choice.value for choice in choices} <= written, subjects


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["simulate", "rate-22-mg-h", "--sessions", "2", "--interval", "1 h"], "error: --interval: 1 h is shorter"),
        (
            ["plot", "rate-vs-weight", "-o", "x.png", "--from", "90 kg", "--to", "80 kg"],
            "error: --from: must be lighter",
        ),
        (["cohort", "missing.csv"], "error: PATIENTS: cannot read missing.csv"),
        (["table", "--no-builtin"], "error: --no-builtin: without built-in cards there is nothing to use"),
        (["schedule", "initial-80-mg-2-h", "--duration", "1 h"], "error: --duration: 1 h is shorter than the minimum"),
    ],
    ids=["interval", "from", "patients", "no-builtin", "duration"],
)
def test_library_errors_are_reported_against_the_option_typed(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message), result.output
    assert len(result.stderr.splitlines()) == 1, result.output


def test_a_schedule_shows_the_drip_rate_in_every_format_when_a_drop_factor_is_given() -> None:
    args = ["schedule", "rate-0.35-mg-kg-h", *WORKED_EXAMPLE, "--step", "1 h"]
    doc = run(*args, "--format", "json").json()
    # 24.448628743 mg/h / 2 mg/mL x 20 gtt/mL / 60 min/h = 4.07477 gtt/min in each of the 5 rows (0 h to 4 h)
    drips = [value(row["drip_rate"], "gtt/min").magnitude for row in doc["rows"]]
    assert drips == pytest.approx([4.07477145717] * 5, rel=1e-10)
    assert "drip_rate_gtt_per_min" in run(*args, "--format", "csv").stdout.splitlines()[0]
    table = run(*args, "--format", "markdown").stdout
    assert "Drip rate (gtt/min)" in table and "| 4 |" in table  # 4.07 shown to whole drops


def test_the_first_table_gives_one_line_notes_and_the_full_text_on_request() -> None:
    brief = run("table", "--format", "markdown").stdout
    full = run("table", "--format", "markdown", "--notes", "full").stdout
    assert "Notes in brief" in brief and "Notes in brief" not in full
    # the 22 mg/h card's first note: its brief on the first screen, its whole text on request
    assert (
        "Sources differ: 4 h is the article's alone; no trial or guideline gives 4 h "
        "(guidelines: 4 days; trial: 4.2 days)." in brief
    )
    assert "no trial or guideline found gives 22 mg/h for 4 h" in full
    assert "no trial or guideline found gives 22 mg/h for 4 h" not in brief
    notes = [line for line in brief.splitlines() if re.match(r"\d+\. ", line)]
    assert len(notes) == len([line for line in full.splitlines() if re.match(r"\d+\. ", line)])
    assert max(map(len, notes)) <= 150  # regimen id, then a one-line note
    rows = run("table", "--format", "json").json()["rows"]  # machine output keeps the full text
    assert any("no trial or guideline found gives 22 mg/h for 4 h" in note for note in rows[0]["notes"])


def test_every_output_path_is_checked_before_any_work(tmp_path: Path) -> None:
    patients = tmp_path / "p.csv"
    patients.write_text("id,weight\np1,70 kg\n", encoding="utf-8")
    missing = str(tmp_path / "nowhere" / "e.csv")
    result = run("cohort", str(patients), "--errors", missing)
    assert result.exit_code == 2 and result.stdout == "", result.output  # not a row streamed first
    assert result.stderr.startswith("error: --errors: folder "), result.output
    same = str(tmp_path / "out.csv")
    clash = run("cohort", str(patients), "-o", same, "--errors", same)
    assert clash.stderr.splitlines() == ["error: --errors: is the same file as the output file; give each its own"]
    chart = tmp_path / "ok.png"
    late = run("simulate", "initial-80-mg-2-h", "--plot", str(chart), "-o", str(tmp_path / "nowhere" / "o.csv"))
    assert late.exit_code == 2 and not chart.exists(), late.output


def test_a_byte_order_mark_on_standard_input_is_read_as_in_a_file() -> None:
    result = run("cohort", "-", "-r", "rate-22-mg-h", stdin="\ufeffid,weight\np1,70 kg\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("p1,rate-22-mg-h,70.0,22.0,")


def test_a_label_strength_is_read_as_amount_over_volume_and_a_flow_is_refused() -> None:
    args = ("table", "-w", "70 kg", "-r", "rate-22-mg-h", "--format", "json")
    doc = run(*args, "--concentration", "500 mg/10 mL").json()
    # 500 mg / 10 mL = 50 mg/mL; 22 mg/h / 50 mg/mL = 0.44 mL/h
    assert value(doc["rows"][0]["concentration"], "mg/mL").magnitude == pytest.approx(50, rel=1e-12)
    assert value(doc["rows"][0]["pump_rate"], "mL/h").magnitude == pytest.approx(0.44, rel=1e-12)
    refused = run(*args, "--concentration", "500 mg/10 mL/h")
    assert refused.exit_code == 2 and refused.stdout == "", refused.output
    assert refused.stderr.startswith("error: --concentration: '500 mg/10 mL/h' has more than one number"), (
        refused.stderr
    )


def test_a_drip_below_one_drop_a_minute_and_a_pump_below_1_ml_h_are_not_shown_as_0_or_a_tenth() -> None:
    args = ("table", "-r", "rate-22-mg-h", "-w", "70 kg", "-c", "500 mg/10 mL", "--drop-factor", "60 gtt/mL")
    result = run(*args, "--format", "markdown")
    assert result.exit_code == 0, result.output
    # 500 mg / 10 mL = 50 mg/mL; 22 mg/h / 50 mg/mL = 0.44 mL/h; x 60 gtt/mL = 26.4 gtt/h; / 60 = 0.44 gtt/min
    (row,) = [line for line in result.stdout.splitlines() if line.startswith("| rate-22-mg-h |")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    # pump rate; volume 0.44 mL/h x 4 h = 1.76 mL, at or above 1 mL shown to 0.1 mL: 1.8; drip rate
    assert cells[-3:] == ["0.44", "1.8", "0.44"]
    text = " ".join(result.stdout.split())
    assert "The pump rate, 0.44 mL/h, is below 1 mL/h: shown to 0.01 mL/h, not 0.1." in text
    # one drop every 1 / 0.44 = 2.27 min, shown 2.3 min
    assert "The drip rate, 0.44 gtt/min, is below one drop a minute (one drop every 2.3 min)" in text
    # JSON keeps the full precision and says nothing of display
    (json_row,) = run(*args, "--format", "json").json()["rows"]
    assert json_row["drip_rate"]["value"] == pytest.approx(0.44, rel=1e-12)
    # at 1 mL/h and one drop a minute and above, the usual rules: 0.1 mL/h and whole drops, no note
    usual = run("table", "-r", "rate-22-mg-h", "-w", "70 kg", "-c", "500 mg/50 mL", "--drop-factor", "60 gtt/mL")
    # 500 mg / 50 mL = 10 mg/mL; 22 / 10 = 2.2 mL/h; x 60 / 60 = 2.2 gtt/min, shown 2
    assert "below one drop a minute" not in usual.stdout and "below 1 mL/h" not in usual.stdout, usual.output


def _in_a_terminal(args: list[str], columns: int, lines: int, pager: str) -> str:
    """``dosecalc args`` run in a pseudo-terminal of ``columns`` x ``lines``; what it printed, colours removed."""
    import pty

    controller, terminal = pty.openpty()
    environment = {**os.environ, "COLUMNS": str(columns), "LINES": str(lines), "DOSECALC_PAGER": pager}
    environment.pop("PAGER", None)
    with subprocess.Popen(
        [sys.executable, "-m", "dosecalc", *args], stdin=terminal, stdout=terminal, stderr=terminal, env=environment
    ) as process:
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the command ended
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
    os.close(controller)
    return re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode().replace("\r\n", "\n"))


def test_a_table_taller_than_the_terminal_goes_through_the_pager(tmp_path: Path) -> None:
    paged = tmp_path / "paged.txt"
    pager = f"{shlex.quote(sys.executable)} -c 'import sys; open(sys.argv[1], \"w\").write(sys.stdin.read())' {paged}"
    shown = _in_a_terminal(["table", "-w", "70 kg"], 80, 24, pager)
    assert paged.is_file(), shown
    text = re.sub(r"\x1b\[[0-9;]*m", "", paged.read_text())  # the pager is given the table in colour
    assert text.startswith(DISCLAIMER) and "rate-22-mg-h\n  Rate 22 mg/h;" in text
    assert "rate-22-mg-h" not in shown, "what was paged is not printed twice"


def test_a_table_shorter_than_the_terminal_is_printed_not_paged(tmp_path: Path) -> None:
    paged = tmp_path / "paged.txt"
    pager = f'{shlex.quote(sys.executable)} -c \'open("{paged}", "w")\''
    shown = _in_a_terminal(["table", "-w", "70 kg"], 200, 500, pager)
    assert not paged.exists()
    assert DISCLAIMER in shown and "Rate per" in shown and "Left out" not in shown
