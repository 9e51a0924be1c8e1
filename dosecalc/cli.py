"""The dosecalc command line: parses options, calls the engine, hands results to the writers.

No arithmetic here. Every mistake in what a user typed ends as one line on stderr and exit code 2.
"""

import gc
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer import Abort

from . import DISCLAIMER, __version__
from .errors import DoseCalcError

try:  # typer 0.29 carries its own copy of click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - a typer built on the click package
    from click.exceptions import ClickException  # type: ignore[no-redef,import-not-found]


_APP_SETTINGS: dict[str, Any] = {
    "name": "dosecalc",
    "help": (
        "Educational infusion dose calculator: turns documented ketamine infusion regimens into per-patient "
        "rate, dose and schedule tables for teaching and what-if exercises. "
        "Educational reference only - not a prescribing tool."
    ),
    "add_completion": False,
    "rich_markup_mode": None,
    "pretty_exceptions_enable": False,
    "no_args_is_help": True,
}
app = typer.Typer(**_APP_SETTINGS)
_COMMANDS: dict[str, tuple[Callable[..., None], dict[str, Any]]] = {}


def _command(name: str, **settings: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command on the app, and remember it so that main() can build it alone."""

    def register(function: Callable[..., None]) -> Callable[..., None]:
        _COMMANDS[name] = (function, settings)
        return app.command(name, **settings)(function)

    return register


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


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
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to this file (whole or not at all) instead of standard output.",
        show_default=False,
        metavar="FILE",
    ),
]
WeightOption = Annotated[
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
DurationOption = Annotated[
    str | None,
    typer.Option(
        "--duration",
        help="What-if infusion duration, e.g. '3 h' or '90 min' (never below a card's minimum).",
        show_default=False,
        metavar="TIME",
    ),
]
ConcentrationOption = Annotated[
    str | None,
    typer.Option(
        "--concentration",
        "-c",
        help="Drug concentration: '2 mg/mL', or a preparation '100 mg in 50 mL'. Adds pump rate and volume.",
        show_default=False,
        metavar="CONCENTRATION",
    ),
]
DropFactorOption = Annotated[
    str | None,
    typer.Option(
        "--drop-factor",
        help="Gravity set drop factor, e.g. '20 gtt/mL' (10, 15, 20, 60). Adds drip rate; needs a concentration.",
        show_default=False,
        metavar="FACTOR",
    ),
]

RegimenListOption = Annotated[
    list[str] | None,
    typer.Option(
        "--regimen", "-r", help="Regimen id; repeat for several. Default: every card.", show_default=False, metavar="ID"
    ),
]
SessionsOption = Annotated[
    int | None,
    typer.Option(
        "--sessions", min=1, max=365, help="What-if number of sessions in the course.", show_default=False, metavar="N"
    ),
]
MaxRateOption = Annotated[
    str | None,
    typer.Option(
        "--max-rate",
        help="What-if rate cap, e.g. '25 mg/h' (replaces the card's cap).",
        show_default=False,
        metavar="RATE",
    ),
]
NoCapOption = Annotated[bool, typer.Option("--no-cap", help="Ignore every rate cap.")]
ExplainOption = Annotated[
    bool,
    typer.Option("--explain", help="Show the worked steps (dimensional analysis) behind every figure."),
]


def _fail(message: str) -> NoReturn:
    for line in message.splitlines():
        print(f"error: {line}", file=sys.stderr)
    raise typer.Exit(2)


def _emit(text: str, output: Path | None) -> None:
    from .output import write_atomic

    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)
        print(f"Wrote {output}", file=sys.stderr)


def _emit_rich(renderable: Any, output: Path | None) -> None:
    from .output import render_rich

    if output is None:
        tty = sys.stdout.isatty()
        sys.stdout.write(render_rich(renderable, width=None if tty else 160, color=tty))
    else:
        _emit(render_rich(renderable, width=160), output)


def _catalogue(regimens_dir: Path | None, no_builtin: bool) -> Any:
    from .regimens import load_catalogue

    if no_builtin and regimens_dir is None:
        raise DoseCalcError(
            "needs --regimens-dir: without built-in cards there is nothing to use", field="--no-builtin"
        )
    return load_catalogue(regimens_dir, builtin=not no_builtin)


def _patient(text: str | None) -> Any:
    from .dosing import REFERENCE_PATIENT, Patient

    if text is None:
        return REFERENCE_PATIENT
    typed = _parse("--weight", text, "WEIGHT", keep_unit=True)
    return Patient(typed.to("kg"), text, typed)


def _parse(option: str, text: str, spec_name: str, keep_unit: bool = False) -> Any:
    from . import units

    try:
        return units.parse_quantity(text, getattr(units, spec_name), keep_unit=keep_unit)
    except DoseCalcError as error:
        raise error.for_field(option) from None


def _what_if(
    duration: str | None,
    concentration: str | None,
    drop_factor: str | None,
    sessions: int | None,
    max_rate: str | None,
    no_cap: bool,
) -> Any:
    from .dosing import WhatIf
    from .units import parse_concentration

    if max_rate is not None and no_cap:
        raise DoseCalcError("cannot be used with --max-rate; choose one", field="--no-cap")
    try:
        conc = None if concentration is None else parse_concentration(concentration)
    except DoseCalcError as error:
        raise error.for_field("--concentration") from None
    return WhatIf(
        duration=None if duration is None else _parse("--duration", duration, "DURATION"),
        concentration=conc,
        drop_factor=None if drop_factor is None else _parse("--drop-factor", drop_factor, "DROP_FACTOR"),
        sessions=sessions,
        max_rate=None if max_rate is None else _parse("--max-rate", max_rate, "RATE"),
        no_cap=no_cap,
    )


def _check_explain(explain: bool, format: Format) -> None:
    if explain and format is Format.csv:
        raise DoseCalcError("worked steps come as table, markdown or json", field="--explain")


def _check_drip(what_if: Any, rows: Sequence[Any]) -> None:
    """A drop factor is refused when no row has a concentration to turn into a drip rate."""
    if what_if.drop_factor is not None and all(row.concentration is None for row in rows):
        raise DoseCalcError(
            "a drip rate needs a concentration; add --concentration, e.g. '2 mg/mL'", field="--drop-factor"
        )


def _guarded(run: Callable[[], None]) -> None:
    try:
        run()
    except DoseCalcError as error:
        _fail(str(error))


@_command("regimens")
def regimens_command(
    format: FormatOption = Format.table,
    output: OutputOption = None,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """List the regimen cards: id, title, kind, documented dose, duration and source."""

    def run() -> None:
        from . import output as out

        catalogue = _catalogue(regimens_dir, no_builtin)
        if format is Format.table:
            _emit_rich(out.regimens_table(catalogue), output)
        else:
            render = {
                Format.csv: out.regimens_csv,
                Format.json: out.regimens_json,
                Format.markdown: out.regimens_markdown,
            }
            _emit(render[format](catalogue), output)

    _guarded(run)


@_command("show")
def show_command(
    regimen: Annotated[str, typer.Argument(metavar="REGIMEN", help="A regimen id, as listed by 'dosecalc regimens'.")],
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """Show one regimen card in full, with its sources and notes."""

    def run() -> None:
        from .output import card_text

        catalogue = _catalogue(regimens_dir, no_builtin)
        card = catalogue.get(regimen)
        sys.stdout.write(card_text(card, catalogue.origins[card.id]))

    _guarded(run)


@_command("table")
def table_command(
    weight: WeightOption = None,
    regimen: RegimenListOption = None,
    duration: DurationOption = None,
    concentration: ConcentrationOption = None,
    drop_factor: DropFactorOption = None,
    sessions: SessionsOption = None,
    max_rate: MaxRateOption = None,
    no_cap: NoCapOption = False,
    explain: ExplainOption = False,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """Rate, dose and (with a concentration) pump figures for one patient, one row per regimen."""

    def run() -> None:
        from . import output as out
        from .dosing import calculate, make_plan

        patient = _patient(weight)
        what_if = _what_if(duration, concentration, drop_factor, sessions, max_rate, no_cap)
        cards = _catalogue(regimens_dir, no_builtin).select(regimen)
        _check_explain(explain, format)
        rows = [calculate(make_plan(card, what_if), patient.typed, explain) for card in cards]
        _check_drip(what_if, rows)
        if format is Format.table:
            _emit_rich(out.dose_table(rows, patient), output)
        elif format is Format.json:
            _emit(out.dose_json(rows, patient), output)
        elif format is Format.csv:
            _emit(out.dose_csv(rows), output)
            print(DISCLAIMER, file=sys.stderr)
        else:
            _emit(out.dose_markdown(rows, patient), output)

    _guarded(run)


@_command("schedule")
def schedule_command(
    regimen: Annotated[str, typer.Argument(metavar="REGIMEN", help="A regimen id, as listed by 'dosecalc regimens'.")],
    weight: WeightOption = None,
    step: Annotated[
        str, typer.Option("--step", help="Time between rows, e.g. '15 min' or '1 h'.", metavar="TIME")
    ] = "15 min",
    duration: DurationOption = None,
    concentration: ConcentrationOption = None,
    drop_factor: DropFactorOption = None,
    explain: ExplainOption = False,
    format: FormatOption = Format.table,
    output: OutputOption = None,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """The time schedule of one regimen: elapsed time, rate, dose in each step and cumulative dose."""

    def run() -> None:
        from . import output as out
        from .dosing import calculate, make_plan
        from .schedule import build_schedule

        patient = _patient(weight)
        step_q = _parse("--step", step, "STEP")
        what_if = _what_if(duration, concentration, drop_factor, None, None, False)
        card = _catalogue(regimens_dir, no_builtin).get(regimen)
        _check_explain(explain, format)
        figures = calculate(make_plan(card, what_if), patient.typed, explain)
        _check_drip(what_if, [figures])
        schedule = build_schedule(figures, step_q)
        if format is Format.table:
            _emit_rich(out.schedule_table(schedule, patient), output)
        elif format is Format.json:
            _emit(out.schedule_json(schedule, patient), output)
        elif format is Format.csv:
            _emit(out.schedule_csv(schedule), output)
            print(DISCLAIMER, file=sys.stderr)
        else:
            _emit(out.schedule_markdown(schedule, patient), output)

    _guarded(run)


COHORT_HELP = """The dose table for a whole class or a simulated population, as CSV.

PATIENTS is a CSV file with a header row and columns 'id' and 'weight' (text with its unit: 70 kg,
154 lb), in any order; other columns are ignored (and named once on stderr). '-' reads standard input.
One output row per patient and regimen, in input order, full precision.

A refused row (missing or duplicate id, unreadable or implausible weight) is reported on stderr with its
row number (the header is row 1, as in a spreadsheet), id and reason, and in --errors FILE as CSV when
asked; the other rows are still computed.

With --output the file is written whole or not at all. Standard output gets the rows as they are
computed; a file given by name is checked to be UTF-8 first, so that a late bad byte cannot leave half a
cohort there. Standard input cannot be checked ahead: a bad byte stops the output where it is (exit 2).

Exit codes: 0 every row computed; 1 some rows refused, the others written; 2 nothing computed (a usage
mistake, an unreadable file, missing columns, or every row refused).
"""


@_command("cohort", help=COHORT_HELP)
def cohort_command(
    patients: Annotated[
        str, typer.Argument(metavar="PATIENTS", help="CSV file of patients (id, weight), or '-' for standard input.")
    ],
    regimen: RegimenListOption = None,
    duration: DurationOption = None,
    concentration: ConcentrationOption = None,
    sessions: SessionsOption = None,
    max_rate: MaxRateOption = None,
    no_cap: NoCapOption = False,
    output: OutputOption = None,
    errors: Annotated[
        Path | None,
        typer.Option(
            "--errors",
            help="Also write the refused rows to this CSV file (row, id, field, given, reason).",
            show_default=False,
            metavar="FILE",
        ),
    ] = None,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    def run() -> int:
        import contextlib

        from .cohort import BadRow, check_utf8, run_cohort
        from .dosing import make_plan
        from .output import atomic_writer, background_writes

        what_if = _what_if(duration, concentration, None, sessions, max_rate, no_cap)
        plans = [make_plan(card, what_if) for card in _catalogue(regimens_dir, no_builtin).select(regimen)]
        bad_rows: list[BadRow] = []

        def on_bad(row: BadRow) -> None:
            bad_rows.append(row) if errors is not None else None
            print(f"error: {row}", file=sys.stderr)

        with contextlib.ExitStack() as stack:
            if patients == "-":
                source = sys.stdin
            else:
                try:
                    if Path(patients).is_file():  # not a pipe such as <(zcat ...), which can be read once
                        with open(patients, "rb") as raw:
                            check_utf8(raw)
                    source = stack.enter_context(open(patients, encoding="utf-8-sig", newline=""))
                except OSError as error:
                    raise DoseCalcError(f"cannot read {patients} ({error.strerror})", field="PATIENTS") from None
            sink = sys.stdout if output is None else stack.enter_context(atomic_writer(output))
            write = stack.enter_context(background_writes(sink))
            progress = _progress(stack)
            try:
                summary = run_cohort(source, write, plans, on_bad, on_progress=progress)
            except UnicodeDecodeError:
                raise DoseCalcError("is not UTF-8 text; save the CSV as UTF-8", field="PATIENTS") from None
            if summary.computed == 0:
                raise DoseCalcError(
                    f"no patient could be computed ({summary.refused} row(s) refused)", field="PATIENTS"
                )
        if summary.ignored_columns:
            print(f"note: ignored column(s): {', '.join(summary.ignored_columns)}", file=sys.stderr)
        if errors is not None:
            _write_bad_rows(errors, bad_rows)
        print(
            f"{summary.computed} patient(s) computed for {len(plans)} regimen(s), {summary.refused} refused"
            + (f"; wrote {output}" if output is not None else ""),
            file=sys.stderr,
        )
        print(DISCLAIMER, file=sys.stderr)
        return 1 if summary.refused else 0

    try:
        code = run()
    except DoseCalcError as error:
        _fail(str(error))
    if code:
        raise typer.Exit(code)


@_command("simulate")
def simulate_command(
    regimen: Annotated[str, typer.Argument(metavar="REGIMEN", help="A regimen id, as listed by 'dosecalc regimens'.")],
    weight: WeightOption = None,
    model: Annotated[str, typer.Option("--model", help="Pharmacokinetic model: domino.", metavar="MODEL")] = "domino",
    duration: DurationOption = None,
    sessions: Annotated[
        int, typer.Option("--sessions", min=1, max=60, help="Number of sessions to simulate.", metavar="N")
    ] = 1,
    interval: Annotated[
        str, typer.Option("--interval", help="Time from the start of one session to the next.", metavar="TIME")
    ] = "24 h",
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help="Simulate up to this time from the start (default: 12 h after the last session ends).",
            show_default=False,
            metavar="TIME",
        ),
    ] = None,
    step: Annotated[str, typer.Option("--step", help="Time between rows.", metavar="TIME")] = "5 min",
    compare: Annotated[
        list[str] | None,
        typer.Option(
            "--compare", help="Another regimen to overlay; repeat for several.", show_default=False, metavar="ID"
        ),
    ] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format: table, csv or json.")] = Format.table,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="Also draw the concentration chart to this .png or .svg file.",
            show_default=False,
            metavar="FILE",
        ),
    ] = None,
    output: OutputOption = None,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """Predicted plasma concentration over time under a population PK model (teaching estimate)."""

    def run() -> None:
        from . import output as out
        from . import pk
        from .dosing import calculate, make_plan
        from .schedule import MAX_ROWS

        if format is Format.markdown:
            raise DoseCalcError("simulate writes table, csv or json", field="--format")
        patient = _patient(weight)
        chosen = pk.get_model(model)
        what_if = _what_if(duration, None, None, None, None, False)
        every = _parse("--interval", interval, "DURATION")
        cards = _catalogue(regimens_dir, no_builtin).select([regimen, *(compare or [])])
        courses = []
        for card in cards:
            figures = calculate(make_plan(card, what_if), patient.typed)
            course = pk.Course(figures.rate, figures.duration, sessions, every)
            pk.check_course(course)
            courses.append((figures, course))
        end = _parse("--until", until, "DURATION") if until is not None else pk.default_end([c for _, c in courses])
        times = pk.output_times(end, _parse("--step", step, "STEP"), MAX_ROWS)
        runs = pk.run_courses(chosen, patient.weight, courses, times)
        if plot is not None:
            from . import plots
            from .output import write_atomic

            write_atomic(plot, plots.render(plots.concentration_chart(runs), _chart_format(plot, "--plot")))
            print(f"Wrote {plot}", file=sys.stderr)
        if format is Format.table:
            _emit_rich(out.simulation_table(runs, patient), output)
        elif format is Format.json:
            _emit(out.simulation_json(runs, patient), output)
        else:
            _emit(out.simulation_csv(runs), output)
            print(DISCLAIMER, file=sys.stderr)

    _guarded(run)


#: Most problems on one sheet.
MAX_PROBLEMS = 500


class SheetFormat(StrEnum):
    markdown = "markdown"
    json = "json"
    html = "html"


class Pound(StrEnum):
    exact = "exact"
    course = "2.2"


class PumpRounding(StrEnum):
    tenth = "0.1"
    whole = "1"


SeedOption = Annotated[
    int, typer.Option("--seed", min=0, help="The same seed gives the same set, byte for byte.", metavar="N")
]
LevelOption = Annotated[
    int | None,
    typer.Option(
        "--level",
        min=1,
        max=3,
        help="1: one factor; 2: two factors; 3: three or more. Default: mixed.",
        show_default=False,
        metavar="N",
    ),
]
PoundOption = Annotated[
    Pound, typer.Option("--pound", help="Pounds to kilograms: exact (0.45359237 kg) or 2.2 (lb per kg).")
]
PumpOption = Annotated[
    PumpRounding, typer.Option("--pump-rounding", help="Round pump-rate answers to 0.1 mL/h or to whole mL/h.")
]


def _convention(pound: Pound, pump: PumpRounding) -> Any:
    from .exercises import Convention

    return Convention(pound=pound.value, pump_places=1 if pump is PumpRounding.tenth else 0)


@_command("exercises")
def exercises_command(
    count: Annotated[
        int, typer.Option("--count", "-n", min=1, max=MAX_PROBLEMS, help="Number of problems.", metavar="N")
    ] = 10,
    seed: SeedOption = 1,
    level: LevelOption = None,
    format: Annotated[SheetFormat, typer.Option("--format", "-f", help="Output format.")] = SheetFormat.markdown,
    answers: Annotated[bool, typer.Option("--answers", help="The answer key, with worked steps.")] = False,
    pound: PoundOption = Pound.exact,
    pump_rounding: PumpOption = PumpRounding.tenth,
    output: OutputOption = None,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """A reproducible set of dosage-calculation problems from the regimen cards (a worksheet, or with
    --answers the answer key). Problem N is the same for any --count, so a key can be checked in part."""

    def run() -> None:
        from . import exercises

        convention = _convention(pound, pump_rounding)
        cards = list(_catalogue(regimens_dir, no_builtin).cards.values())
        problems = exercises.generate(cards, count, seed, level, convention)
        render = {
            SheetFormat.markdown: exercises.to_markdown,
            SheetFormat.json: exercises.to_json,
            SheetFormat.html: exercises.to_html,
        }[format]
        _emit(render(problems, seed, convention, answers), output)

    _guarded(run)


@_command("check")
def check_command(
    answers_file: Annotated[
        Path, typer.Argument(metavar="ANSWERS.csv", help="CSV with columns 'problem' and 'answer' ('-' for stdin).")
    ],
    seed: SeedOption = 1,
    count: Annotated[
        int | None,
        typer.Option(
            "--count",
            "-n",
            min=1,
            max=500,
            help="Problems on the sheet (default: the highest problem number answered).",
            show_default=False,
            metavar="N",
        ),
    ] = None,
    level: LevelOption = None,
    pound: PoundOption = Pound.exact,
    pump_rounding: PumpOption = PumpRounding.tenth,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """Mark a student's answers against the key of the same seed and options; wrong answers get the worked
    steps. An answer is right within half the rounding unit of the exact value."""

    def run() -> None:
        from . import exercises

        given = _read_answers(answers_file)
        convention = _convention(pound, pump_rounding)
        cards = list(_catalogue(regimens_dir, no_builtin).cards.values())
        largest = max(given, default=0)
        if largest > MAX_PROBLEMS:
            raise DoseCalcError(f"answers problem {largest}; a sheet has at most {MAX_PROBLEMS}", field="ANSWERS.csv")
        total = count if count is not None else largest
        if total == 0:
            raise DoseCalcError("holds no answers; expected rows of problem,answer", field="ANSWERS.csv")
        beyond = sorted(number for number in given if number > total)
        if beyond:
            raise DoseCalcError(f"answers problem {beyond[0]}, beyond the {total} on the sheet", field="ANSWERS.csv")
        problems = exercises.generate(cards, total, seed, level, convention)
        sys.stdout.write(exercises.marks_text(exercises.mark(problems, given), seed))

    _guarded(run)


def _read_answers(path: Path) -> dict[int, str]:
    import csv
    import io

    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise DoseCalcError(f"cannot read {path} ({error})", field="ANSWERS.csv") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [cell.strip().lower() for cell in rows[0][:2]] != ["problem", "answer"]:
        raise DoseCalcError("needs a header row 'problem,answer'", field="ANSWERS.csv")
    answers: dict[int, str] = {}
    for line, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2 or not row[0].strip().isdigit() or not row[0].strip().isascii():
            raise DoseCalcError(
                f"row {line}: expected a problem number and an answer, got {','.join(row)[:40]!r}", field="ANSWERS.csv"
            )
        number = int(row[0])
        if number in answers or number < 1:
            raise DoseCalcError(
                f"row {line}: problem {number} is answered twice or does not exist", field="ANSWERS.csv"
            )
        answers[number] = row[1].strip()
    return answers


def _chart_format(output: Path, option: str) -> str:
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg"):
        raise DoseCalcError(f"{str(output)[:60]!r} should end in .png or .svg", field=option)
    return suffix


@_command("plot")
def plot_command(
    kind: Annotated[str, typer.Argument(metavar="KIND", help="rate-vs-weight, cumulative or schedule.")],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="The chart file: .png or .svg (written whole or not at all).", metavar="FILE"
        ),
    ],
    weight: WeightOption = None,
    regimen: Annotated[
        list[str] | None,
        typer.Option(
            "--regimen",
            "-r",
            help="Regimen id; repeat for several. Default: every card (schedule: the first).",
            show_default=False,
            metavar="ID",
        ),
    ] = None,
    low: Annotated[str, typer.Option("--from", help="rate-vs-weight: lightest weight.", metavar="WEIGHT")] = "40 kg",
    high: Annotated[str, typer.Option("--to", help="rate-vs-weight: heaviest weight.", metavar="WEIGHT")] = "150 kg",
    duration: DurationOption = None,
    max_rate: MaxRateOption = None,
    no_cap: NoCapOption = False,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """Draw a chart: each regimen's rate across a weight range (caps and crossings marked), cumulative dose
    over one session, or one regimen's schedule. Needs the plot extra: pip install 'dosecalc[plot]'."""

    def run() -> None:
        from . import plots
        from .dosing import make_plan
        from .output import write_atomic

        if kind not in plots.KINDS:
            raise DoseCalcError(f"unknown chart {kind!r}; expected one of {', '.join(plots.KINDS)}", field="KIND")
        fmt = _chart_format(output, "--output")
        patient = _patient(weight)
        what_if = _what_if(duration, None, None, None, max_rate, no_cap)
        cards = _catalogue(regimens_dir, no_builtin).select(regimen)
        plans = [make_plan(card, what_if) for card in cards]
        if kind == "rate-vs-weight":
            lightest = _parse("--from", low, "WEIGHT")
            heaviest = _parse("--to", high, "WEIGHT")
            if not lightest < heaviest:
                raise DoseCalcError("must be lighter than --to", field="--from")
            fig = plots.rate_vs_weight(plans, float(lightest.magnitude), float(heaviest.magnitude))
        elif kind == "cumulative":
            fig = plots.cumulative(plans, patient.weight)
        else:
            fig = plots.schedule_chart(plans[0], patient.weight)
        write_atomic(output, plots.render(fig, fmt))
        print(f"Wrote {output}", file=sys.stderr)

    _guarded(run)


@_command("report")
def report_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The handout: an .html file (whole or not at all).", metavar="FILE")
    ],
    weight: WeightOption = None,
    regimen: RegimenListOption = None,
    duration: DurationOption = None,
    concentration: ConcentrationOption = None,
    drop_factor: DropFactorOption = None,
    step: Annotated[str, typer.Option("--step", help="Time between schedule rows.", metavar="TIME")] = "30 min",
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Add the predicted plasma-concentration chart under this model (domino).",
            show_default=False,
            metavar="MODEL",
        ),
    ] = None,
    explain: ExplainOption = False,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """A printable, self-contained HTML handout: the disclaimer, the patient, the dose table, each schedule,
    charts, the cards with their sources, and (with --explain) the worked steps. Needs the report extra:
    pip install 'dosecalc[report]'."""

    def run() -> None:
        from . import report
        from .dosing import calculate, make_plan
        from .output import write_atomic

        if output.suffix.lower() not in (".html", ".htm"):
            raise DoseCalcError(f"{str(output)[:60]!r} should end in .html", field="--output")
        patient = _patient(weight)
        step_q = _parse("--step", step, "STEP")
        what_if = _what_if(duration, concentration, drop_factor, None, None, False)
        cards = _catalogue(regimens_dir, no_builtin).select(regimen)
        plans = [make_plan(card, what_if) for card in cards]
        rows = [calculate(plan, patient.typed, explain) for plan in plans]
        _check_drip(what_if, rows)
        simulation = []
        if model is not None:
            from . import pk

            courses = [(row, pk.Course(row.rate, row.duration)) for row in rows]
            times = pk.output_times(pk.default_end([course for _, course in courses]), pk.STEP, 10_000)
            simulation = pk.run_courses(pk.get_model(model), patient.weight, courses, times)
        write_atomic(output, report.render(rows, plans, patient, step_q, simulation))
        print(f"Wrote {output}", file=sys.stderr)

    _guarded(run)


def _progress(stack: Any) -> Callable[[int], None] | None:
    """A rows-done counter on stderr when it is a terminal; nothing when it is piped."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = stack.enter_context(
        Progress(
            SpinnerColumn(),
            TextColumn("{task.completed:,} patients"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
    )
    task = bar.add_task("cohort", total=None)
    return lambda n: bar.advance(task, n)


def _write_bad_rows(path: Path, rows: Sequence[Any]) -> None:
    import csv
    import io

    from .output import write_atomic

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["row", "id", "field", "given", "reason"])
    writer.writerows([row.row, row.id, row.field, row.given, row.reason] for row in rows)
    try:
        write_atomic(path, buffer.getvalue())
    except DoseCalcError as error:
        raise error.for_field("--errors") from None


def _version(value: bool) -> None:
    if value:
        print(f"dosecalc {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Educational infusion dose calculator. Educational reference only - not a prescribing tool."""


def _app_for(args: Sequence[str]) -> typer.Typer:
    """The app to run: only the command named first in ``args`` (typer inspects the signature of every
    command it builds, which costs start-up time), or the whole app for help and mistakes."""
    if not args or args[0] not in _COMMANDS:
        return app
    function, settings = _COMMANDS[args[0]]
    single = typer.Typer(**_APP_SETTINGS)
    single.callback()(_root)
    single.command(args[0], **settings)(function)
    return single


def _repeated_option(command: Any, args: Sequence[str]) -> str | None:
    """The first single-value option given more than once (click would silently keep the last value,
    so ``--weight 70kg --weight 80kg`` would be a guess)."""
    commands = getattr(command, "commands", {})
    if not args or args[0] not in commands:
        return None
    tokens = list(args[1:])
    if "--" in tokens:
        tokens = tokens[: tokens.index("--")]
    for param in commands[args[0]].params:
        if param.param_type_name != "option" or getattr(param, "multiple", False) or getattr(param, "is_flag", False):
            continue
        names = [*param.opts, *param.secondary_opts]
        uses = sum(1 for token in tokens if token in names or token.split("=", 1)[0] in names)
        if uses > 1:
            return str(names[0])
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: runs the app and turns usage errors into one line on stderr (exit 2)."""
    args = list(argv) if argv is not None else sys.argv[1:]
    if not args:  # a bare "dosecalc" shows the help, as a person typing it expects
        args = ["--help"]
    command = typer.main.get_command(_app_for(args))
    repeated = _repeated_option(command, args)
    if repeated is not None:
        print(f"error: {repeated} is given more than once; give it once", file=sys.stderr)
        return 2
    try:
        result = command.main(args=args, prog_name="dosecalc", standalone_mode=False)
    except ClickException as error:
        hint = ""
        ctx = getattr(error, "ctx", None)
        if ctx is not None:
            hint = f" (see '{ctx.command_path} --help')"
        message = " ".join(error.format_message().replace("Value error, ", "").split())
        print(f"error: {message}{hint}", file=sys.stderr)
        return 2 if error.exit_code == 2 else int(error.exit_code)
    except Abort:
        print("error: aborted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    return result if isinstance(result, int) else 0


def console_main() -> NoReturn:
    """The ``dosecalc`` command (and ``python -m dosecalc``): :func:`main`, then exit with its code.

    Before exiting, the objects the run created are frozen out of the garbage collector's sight. Python's
    shutdown would otherwise run full collections over every one of them (pint's registry, pydantic's
    validators, numpy), about 70 ms or a fifth of a ``dosecalc table`` run on the machine the benchmarks
    ran on, for memory the operating system takes back anyway. Every file is closed by then; standard
    output is still flushed and exit handlers still run as usual.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    console_main()
