"""The command line's shared option declarations: one place for each option's names, metavar and help.

Every option's Python name is the name of the :mod:`dosecalc.api` parameter it feeds (``weight``,
``drop_factor``), so that an error about a parameter is reported against its option (see :mod:`.app`).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeAlias

import typer

# The --format choices of each command: the formats dosecalc.render writes for its result (a test holds them to
# render.formats; HTML is offered where a page is the point, the worksheet).


class TableFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


ScheduleFormat: TypeAlias = TableFormat
CardsFormat: TypeAlias = TableFormat


class SimulationFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


class SheetFormat(StrEnum):
    markdown = "markdown"
    json = "json"
    html = "html"
    csv = "csv"
    moodle = "moodle"
    gift = "gift"
    canvas = "canvas"
    qti21 = "qti21"


class NotesLength(StrEnum):
    brief = "brief"
    full = "full"


Notes = Annotated[
    NotesLength,
    typer.Option(
        "--notes",
        help="brief: one line per card note (the full text: --notes full, or 'dosecalc show ID' with the "
        "sources); JSON and CSV always carry the full text.",
    ),
]


class Pound(StrEnum):
    exact = "exact"
    course = "2.2"


class PumpRounding(StrEnum):
    tenth = "0.1"
    whole = "1"


RegimensDir = Annotated[
    Path | None,
    typer.Option(
        "--regimens-dir",
        help="Folder of your own regimen cards (*.toml), loaded in addition to the built-in cards "
        "(or instead of them with --no-builtin). Every card in it must be valid.",
        show_default=False,
        metavar="FOLDER",
    ),
]
NoBuiltin = Annotated[bool, typer.Option("--no-builtin", help="Use only the cards from --regimens-dir.")]
Output = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to this file (whole or not at all) instead of standard output.",
        show_default=False,
        metavar="FILE",
    ),
]
Weight = Annotated[
    str | None,
    typer.Option(
        "--weight",
        "-w",
        help="Patient weight with its unit: 70 kg, 154 lb, 70500 g. "
        "Default: a 70 kg reference adult (said in the output).",
        show_default=False,
        metavar="WEIGHT",
    ),
]
Duration = Annotated[
    str | None,
    typer.Option(
        "--duration",
        help="What-if infusion duration, e.g. '3 h' or '90 min' (never below a card's minimum).",
        show_default=False,
        metavar="TIME",
    ),
]
Concentration = Annotated[
    str | None,
    typer.Option(
        "--concentration",
        "-c",
        help="Drug concentration: '2 mg/mL', a preparation '100 mg in 50 mL', or a label's '500 mg/10 mL'. "
        "Adds pump rate and volume.",
        show_default=False,
        metavar="CONCENTRATION",
    ),
]
DropFactor = Annotated[
    str | None,
    typer.Option(
        "--drop-factor",
        help="Gravity set drop factor, e.g. '20 gtt/mL' (10, 15, 20, 60). Adds drip rate; needs a concentration.",
        show_default=False,
        metavar="FACTOR",
    ),
]
RegimenList = Annotated[
    list[str] | None,
    typer.Option(
        "--regimen", "-r", help="Regimen id; repeat for several. Default: every card.", show_default=False, metavar="ID"
    ),
]
RegimenArgument = Annotated[
    str, typer.Argument(metavar="REGIMEN", help="A regimen id, as listed by 'dosecalc regimens'.")
]
Sessions = Annotated[
    int | None,
    typer.Option(
        "--sessions", help="What-if number of sessions in the course (1 to 365).", show_default=False, metavar="N"
    ),
]
MaxRate = Annotated[
    str | None,
    typer.Option(
        "--max-rate",
        help="What-if rate cap, e.g. '25 mg/h' (replaces the card's cap).",
        show_default=False,
        metavar="RATE",
    ),
]
NoCap = Annotated[bool, typer.Option("--no-cap", help="Ignore every rate cap.")]
Explain = Annotated[
    bool,
    typer.Option("--explain", help="Show the worked steps (dimensional analysis) behind every figure."),
]
Seed = Annotated[int, typer.Option("--seed", help="The same seed gives the same set, byte for byte.", metavar="N")]
Level = Annotated[
    int | None,
    typer.Option(
        "--level",
        help="1: one factor; 2: two factors; 3: three or more. Default: mixed.",
        show_default=False,
        metavar="N",
    ),
]
PoundOption = Annotated[
    Pound | None,
    typer.Option(
        "--pound",
        help="Pounds to kilograms: exact (0.45359237 kg) or 2.2 (lb per kg). Default: the conventions' rule.",
        show_default=False,
    ),
]
PumpOption = Annotated[
    PumpRounding | None,
    typer.Option(
        "--pump-rounding",
        help="Round pump-rate answers to 0.1 mL/h or to whole mL/h. Default: the conventions' rule.",
        show_default=False,
    ),
]


class DecimalMark(StrEnum):
    point = "point"
    comma = "comma"


DecimalOption = Annotated[
    DecimalMark | None,
    typer.Option(
        "--decimal",
        help="The decimal mark answers are written with: point (0.37) or comma (0,37; then 1.234 is refused as "
        "ambiguous). Stated on the sheet and held in its code. Default: the conventions' mark.",
        show_default=False,
    ),
]
Conventions = Annotated[
    str | None,
    typer.Option(
        "--conventions",
        help="The school's rules for asking and marking: a built-in profile (standard, pound-2.2, whole-ml-h, "
        "pound-2.2-whole-ml-h, units-converted) or a profile file (TOML). Default: standard.",
        show_default=False,
        metavar="PROFILE",
    ),
]
TeacherKeyOption = Annotated[
    Path | None,
    typer.Option(
        "--teacher-key",
        help="The teacher's key file (made by 'dosecalc key new'): graded sheets, whose codes mark nothing "
        "without it. Default: the file DOSECALC_TEACHER_KEY names. The secret itself is never an option.",
        envvar="DOSECALC_TEACHER_KEY",
        show_envvar=False,
        show_default=False,
        metavar="FILE",
    ),
]
SheetCode = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        help="The sheet code printed on the sheet; it holds the seed, count, level and conventions.",
        show_default=False,
        metavar="CODE",
    ),
]


class Method(StrEnum):
    dimensional = "dimensional"
    formula = "formula"
    ratio = "ratio"


class CheckFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


RawCsv = Annotated[
    bool,
    typer.Option(
        "--raw-csv",
        help="Write CSV text cells exactly as given. By default a cell that starts with =, +, -, @, a tab or a "
        "carriage return (and is not a number) gets a ' in front, so that a spreadsheet shows it as text rather "
        "than running it as a formula.",
    ),
]
