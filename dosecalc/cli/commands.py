"""The commands: each a signature and one call into :mod:`dosecalc.api`, then the result written out.

No arithmetic, no parsing of quantities and no formatting here: the API reads what was typed, and
:mod:`dosecalc.render` writes the result in the chosen format.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import DoseCalcError, printable
from ..wording import DISCLAIMER, MARKING_RULE
from .options import (
    CardsFormat,
    CheckFormat,
    Concentration,
    Conventions,
    DecimalOption,
    DropFactor,
    Duration,
    Explain,
    Level,
    MaxRate,
    Method,
    NoBuiltin,
    NoCap,
    Notes,
    NotesLength,
    Output,
    PoundOption,
    PumpOption,
    RawCsv,
    RegimenArgument,
    RegimenList,
    RegimensDir,
    ScheduleFormat,
    Seed,
    Sessions,
    SheetCode,
    SheetFormat,
    SimulationFormat,
    TableFormat,
    TeacherKeyOption,
    Weight,
)

if TYPE_CHECKING:
    from ..results import ClassMarks, Result

#: name -> (function, typer settings): every command, registered on the app by :mod:`.app`.
COMMANDS: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {}


def command(name: str, **settings: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        COMMANDS[name] = (function, settings)
        return function

    return register


def write(text: str | bytes, output: Path | None, field: str = "output", *, drawn: bool = False) -> None:
    """``text`` to standard output, or to ``output`` whole or not at all (and say so on stderr). On a terminal,
    control characters in any format (CSV and JSON included) are shown escaped (``\\u001b``), so a student's
    name or a card's text cannot act on it; a table ``drawn`` for the terminal escapes such text itself and
    keeps its colours, and goes through a pager when it is taller than the terminal (:mod:`.pager`)."""
    if output is None:
        from ..files import write_stdout

        shown = text if isinstance(text, str) else text.decode()
        if not drawn and sys.stdout.isatty():
            shown = "\n".join(printable(line) for line in shown.split("\n"))
        if drawn:
            from .pager import page

            if page(shown):
                return
        write_stdout(shown)
    else:
        from ..files import path_text, write_atomic

        write_atomic(output, text, field=field)
        print(f"Wrote {path_text(output)}", file=sys.stderr)


def emit(result: Result, format: str, output: Path | None, raw_csv: bool = False) -> None:
    """The one way a result leaves the command line: written in ``format``; a terminal table is drawn to the
    terminal's width and in colour when standard output is a terminal; machine formats get the disclaimer
    on standard error."""
    from ..formats import MACHINE_FORMATS

    terminal = output is None and format == "table" and sys.stdout.isatty()
    if terminal:  # the terminal's own width (COLUMNS, else the terminal's size), not a fixed 140
        import shutil

        width = shutil.get_terminal_size((140, 24)).columns
    else:
        width = 160
    write(result.as_text(format, width=width, color=terminal, raw_csv=raw_csv), output, drawn=terminal)
    if format in MACHINE_FORMATS and format != "json":
        print(DISCLAIMER, file=sys.stderr)


def _builtin(no_builtin: bool) -> bool:
    return not no_builtin


@command("regimens")
def regimens(
    format: Annotated[CardsFormat, typer.Option("--format", "-f", help="Output format.")] = TableFormat.table,
    output: Output = None,
    raw_csv: RawCsv = False,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """List the regimen cards: id, title, kind, documented dose, duration and source."""
    from .. import api

    emit(api.cards(regimens_dir, builtin=_builtin(no_builtin)), format, output, raw_csv)


@command("show")
def show(regimen: RegimenArgument, regimens_dir: RegimensDir = None, no_builtin: NoBuiltin = False) -> None:
    """Show one regimen card in full, with its sources and notes."""
    from .. import api

    emit(api.card(regimen, regimens_dir, builtin=_builtin(no_builtin)), "text", None)


@command("table")
def table(
    weight: Weight = None,
    regimen: RegimenList = None,
    duration: Duration = None,
    concentration: Concentration = None,
    drop_factor: DropFactor = None,
    sessions: Sessions = None,
    max_rate: MaxRate = None,
    no_cap: NoCap = False,
    explain: Explain = False,
    notes: Notes = NotesLength.brief,
    format: Annotated[TableFormat, typer.Option("--format", "-f", help="Output format.")] = TableFormat.table,
    output: Output = None,
    raw_csv: RawCsv = False,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """Rate, dose and (with a concentration) pump figures for one patient, one row per regimen."""
    from .. import api

    result = api.table(
        weight,
        regimen,
        duration=duration,
        concentration=concentration,
        drop_factor=drop_factor,
        sessions=sessions,
        max_rate=max_rate,
        no_cap=no_cap,
        explain=explain,
        notes=notes.value,
        regimens_dir=regimens_dir,
        builtin=_builtin(no_builtin),
    )
    emit(result, format, output, raw_csv)


@command("schedule")
def schedule(
    regimen: RegimenArgument,
    weight: Weight = None,
    step: Annotated[
        str | None,
        typer.Option(
            "--step",
            help="Time between rows, e.g. '15 min' or '1 h'. Default: from the infusion's length, 15 min up to "
            "6 h (about 24 rows: 4 h for a 4-day infusion).",
            metavar="TIME",
            show_default=False,
        ),
    ] = None,
    duration: Duration = None,
    concentration: Concentration = None,
    drop_factor: DropFactor = None,
    explain: Explain = False,
    notes: Notes = NotesLength.brief,
    format: Annotated[ScheduleFormat, typer.Option("--format", "-f", help="Output format.")] = TableFormat.table,
    output: Output = None,
    raw_csv: RawCsv = False,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """The time schedule of one regimen: elapsed time, rate, dose in each step and cumulative dose."""
    from .. import api

    result = api.schedule(
        regimen,
        weight,
        step=step,
        duration=duration,
        concentration=concentration,
        drop_factor=drop_factor,
        explain=explain,
        notes=notes.value,
        regimens_dir=regimens_dir,
        builtin=_builtin(no_builtin),
    )
    emit(result, format, output, raw_csv)


COHORT_HELP = """The dose table for a whole class or a simulated population, as CSV.

PATIENTS is a CSV file with a header row and columns 'id' and 'weight' (text with its unit: 70 kg,
154 lb), in any order; a weight column named 'weight_kg', 'weight_lb' or 'weight_g' holds plain numbers
in that unit. Other columns are ignored (and named once on stderr) unless --keep carries them into the
output. '-' reads standard input. One output row per patient and regimen, in input order, full precision,
ending with cap_binds (yes or no); the pump columns come with a concentration, the drip rate with
--drop-factor.

A refused row (missing or duplicate id, unreadable or implausible weight) is reported on stderr with its
row number (the header is row 1, as in a spreadsheet), id and reason, and in --errors FILE as CSV when
asked; the other rows are still computed.

With --output the file is written whole or not at all. Standard output gets the rows as they are
computed; a file given by name is checked to be UTF-8 first, so that a late bad byte cannot leave half a
cohort there. Standard input cannot be checked ahead: a bad byte stops the output where it is (exit 2).

Exit codes: 0 every row computed; 1 some rows refused, the others written; 2 nothing computed (a usage
mistake, an unreadable file, missing columns, or every row refused).
"""


@command("cohort", help=COHORT_HELP)
def cohort(
    patients: Annotated[
        str, typer.Argument(metavar="PATIENTS", help="CSV file of patients (id, weight), or '-' for standard input.")
    ],
    regimen: RegimenList = None,
    duration: Duration = None,
    concentration: Concentration = None,
    drop_factor: DropFactor = None,
    sessions: Sessions = None,
    max_rate: MaxRate = None,
    no_cap: NoCap = False,
    keep: Annotated[
        list[str] | None,
        typer.Option(
            "--keep",
            help="Another column of PATIENTS to carry into every output row after the id (a name, a class); "
            "repeat for several.",
            show_default=False,
            metavar="COLUMN",
        ),
    ] = None,
    output: Output = None,
    raw_csv: RawCsv = False,
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
) -> int:
    import contextlib

    from .. import api
    from ..files import atomic_writer, background_writes, check_targets, path_text
    from ..render.data import bad_rows_csv

    check_targets({"output": output, "errors": errors}, {"patients": patients})
    result = None

    def write_errors() -> None:  # the rows refused so far, in every outcome in which rows were read
        if errors is not None and result is not None:
            write(bad_rows_csv(result.refused, raw=raw_csv), errors, "errors")

    try:
        with contextlib.ExitStack() as stack:
            result = api.cohort(
                patients,
                regimen,
                duration=duration,
                concentration=concentration,
                drop_factor=drop_factor,
                sessions=sessions,
                max_rate=max_rate,
                no_cap=no_cap,
                keep=keep,
                regimens_dir=regimens_dir,
                builtin=_builtin(no_builtin),
                on_bad=lambda row: print(f"error: {printable(str(row))}", file=sys.stderr),
                on_progress=_progress(stack),
            )
            sink = sys.stdout if output is None else stack.enter_context(atomic_writer(output))
            tally = result.write_csv(stack.enter_context(background_writes(sink)), raw=raw_csv)
            if tally.computed == 0:
                raise DoseCalcError(f"no patient could be computed ({tally.refused} row(s) refused)", field="patients")
    except DoseCalcError:
        write_errors()
        raise
    write_errors()
    if tally.ignored_columns:
        print(f"note: ignored column(s): {printable(listed(tally.ignored_columns))}", file=sys.stderr)
    for flag, count in tally.flags.items():
        print(f"note: {printable(flag)}: {count} patient(s)", file=sys.stderr)
    print(
        f"{tally.computed} patient(s) computed for {len(result.plans)} regimen(s), {tally.refused} refused"
        + (f"; wrote {path_text(output)}" if output is not None else ""),
        file=sys.stderr,
    )
    print(DISCLAIMER, file=sys.stderr)
    return 1 if tally.refused else 0


def listed(names: Sequence[str], limit: int = 10) -> str:
    """Names joined with commas, at most ``limit`` of them, then how many more: a 100,000-column file is
    named in one short line."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} ... and {len(names) - limit:,} more"


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


@command("simulate")
def simulate(
    regimen: RegimenArgument,
    weight: Weight = None,
    model: Annotated[str, typer.Option("--model", help="Pharmacokinetic model: domino.", metavar="MODEL")] = "domino",
    duration: Duration = None,
    sessions: Annotated[
        int, typer.Option("--sessions", help="Number of sessions to simulate (1 to 60).", metavar="N")
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
    step: Annotated[
        str | None,
        typer.Option(
            "--step",
            help="Time between rows. Default: from the time simulated, 5 min up to about 16 h (about 200 rows).",
            metavar="TIME",
            show_default=False,
        ),
    ] = None,
    compare: Annotated[
        list[str] | None,
        typer.Option(
            "--compare", help="Another regimen to overlay; repeat for several.", show_default=False, metavar="ID"
        ),
    ] = None,
    format: Annotated[SimulationFormat, typer.Option("--format", "-f", help="Output format.")] = SimulationFormat.table,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="Also draw the concentration chart to this .png or .svg file.",
            show_default=False,
            metavar="FILE",
        ),
    ] = None,
    output: Output = None,
    raw_csv: RawCsv = False,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """Predicted plasma concentration over time under a population PK model (teaching estimate)."""
    from .. import api
    from ..files import chart_format, check_targets

    check_targets({"plot": plot, "output": output})
    chart = None if plot is None else chart_format(plot, "plot")
    result = api.simulate(
        regimen,
        weight,
        model=model,
        duration=duration,
        sessions=sessions,
        interval=interval,
        until=until,
        step=step,
        compare=compare,
        regimens_dir=regimens_dir,
        builtin=_builtin(no_builtin),
    )
    if plot is not None and chart is not None:  # chart is None exactly when plot is; said for the type checker
        write(result.chart().to_bytes(chart), plot, "plot")
    emit(result, format, output, raw_csv)


@command("exercises")
def exercises(
    count: Annotated[int, typer.Option("--count", "-n", help="Number of problems (1 to 500).", metavar="N")] = 10,
    seed: Seed = 1,
    level: Level = None,
    format: Annotated[
        SheetFormat,
        typer.Option(
            "--format",
            "-f",
            help="Output format (csv: the roster of student and code, with --students; moodle (XML), gift, canvas "
            "(QTI 1.2 zip), qti21 (QTI 2.1 zip): for a learning platform).",
        ),
    ] = SheetFormat.markdown,
    key: Annotated[bool, typer.Option("--answers", help="The answer key, with worked steps.")] = False,
    conventions: Conventions = None,
    pound: PoundOption = None,
    pump_rounding: PumpOption = None,
    decimal: DecimalOption = None,
    method: Annotated[
        Method | None,
        typer.Option(
            "--method",
            help="Worked steps by dimensional analysis, the formula method (D/H x Q) or ratio and proportion. "
            "Default: the conventions' method.",
            show_default=False,
        ),
    ] = None,
    students: Annotated[
        Path | None,
        typer.Option(
            "--students",
            help="A CSV with a column of student names or ids: one sheet per student, each with its own seed "
            "and code ('-' for stdin).",
            show_default=False,
            metavar="FILE",
        ),
    ] = None,
    variants: Annotated[
        int | None,
        typer.Option(
            "--variants",
            help="For a learning platform: N variants of each problem (each its own sheet code; problem N the same "
            "kind in every variant, no two alike), one category per problem, so a quiz draws a different one for "
            "each student.",
            show_default=False,
            metavar="N",
        ),
    ] = None,
    teacher_key: TeacherKeyOption = None,
    practice: Annotated[
        bool,
        typer.Option(
            "--practice", help="A practice sheet (its key can be shown), even when DOSECALC_TEACHER_KEY is set."
        ),
    ] = False,
    duplex: Annotated[
        bool,
        typer.Option(
            "--duplex",
            help="With -f html: pad each sheet to an even number of pages with a blank one, so that printed on "
            "both sides every student's sheet starts on a sheet of paper of its own.",
        ),
    ] = False,
    max_size: Annotated[
        str | None,
        typer.Option(
            "--max-size",
            help="With -f moodle or gift and --output quiz.xml: split the export between questions into whole quiz "
            "files of at most this size (quiz-1.xml, quiz-2.xml...), each with its categories, for a site that "
            "takes uploads up to a size (PHP's stock limit is 2 MiB: give 2MB). MB is 1,000,000 bytes, MiB "
            "1,048,576; kB, KiB, GB, GiB alike.",
            show_default=False,
            metavar="SIZE",
        ),
    ] = None,
    output: Output = None,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """A reproducible sheet of dosage-calculation problems from the regimen cards (a worksheet, or with
    --answers the answer key), with the sheet code that `dosecalc check --sheet` marks it by. Problem N is
    the same for any --count, so a key can be checked in part. With --teacher-key the sheet is graded: its
    code marks nothing without the key. For a learning platform: --format moodle, gift, canvas or qti21, with
    --variants N."""
    from .. import api
    from ..files import check_targets
    from ..formats import BINARY_FORMATS

    check_targets({"output": output})
    if max_size is not None:
        from ..files import in_place
        from ..teaching.parts import split_limit

        limit = split_limit(max_size, format)  # a size it cannot read, or a format it cannot split: before any work
        if output is None or in_place(output):
            raise DoseCalcError(
                "writes one file or several: give --output FILE (quiz.xml, written as quiz-1.xml, quiz-2.xml... "
                "when it takes more than one)",
                field="max_size",
            )
    if duplex and (format != "html" or variants is not None):
        raise DoseCalcError("pads printed pages: give it with --format html (and without --variants)", field="duplex")
    if format in BINARY_FORMATS and output is None and sys.stdout.isatty():
        raise DoseCalcError(f"--format {format} writes a zip package: give --output FILE.zip", field="output")
    sheet = api.exercises(
        count,
        seed,
        level=level,
        conventions="standard" if conventions is None else conventions,
        pound=None if pound is None else pound.value,
        pump_rounding=None if pump_rounding is None else pump_rounding.value,
        method=None if method is None else method.value,
        decimal=None if decimal is None else decimal.value,
        key=key,
        students=students,
        variants=variants,
        teacher_key=None if practice else teacher_key,
        regimens_dir=regimens_dir,
        builtin=_builtin(no_builtin),
    )
    if max_size is not None and output is not None:  # output is given with max_size (checked above)
        _save_parts(sheet, format, limit, output)
    elif duplex:
        from ..render.html import sheets_html
        from ..results import Sheet

        write(sheets_html([sheet] if isinstance(sheet, Sheet) else list(sheet), duplex=True), output)
    elif format not in BINARY_FORMATS:
        emit(sheet, format, output)
    elif output is None:
        sys.stdout.buffer.write(sheet.to_bytes(format))
        sys.stdout.flush()
    else:
        write(sheet.to_bytes(format), output)


def _save_parts(sheet: Result, format: str, limit: int, output: Path) -> None:
    """The export in files of at most ``limit`` bytes, all written or none, and what was written on stderr."""
    from .. import formats
    from ..files import other_parts, path_text
    from ..results import Sheet, Variants

    if not isinstance(sheet, Sheet | Variants):  # a class's sheets: no learning-platform format
        raise DoseCalcError(f"{str(format)!r} is not a format of this result", field="format")
    try:
        written = sheet.save_parts(output, format, limit)
    except DoseCalcError as error:
        raise error.for_field("output") if error.field == "path" else error from None
    names = ", ".join(path_text(path) for path in written)
    if len(written) == 1:
        print(f"Wrote {names} (all of it fits in {limit:,} bytes: one file)", file=sys.stderr)
    else:
        print(f"Wrote {len(written)} files of at most {limit:,} bytes each: {names}; import every one", file=sys.stderr)
    earlier = other_parts(output, formats.find(sheet.subject, format).suffix, written)
    if earlier:
        shown = ", ".join(path_text(path) for path in earlier)
        which = (
            "is not part of this export: leave it" if len(earlier) == 1 else "are not part of this export: leave them"
        )
        print(f"note: {shown} beside them {which} out of the import", file=sys.stderr)


@command("check")
def check(
    answers: Annotated[
        Path,
        typer.Argument(
            metavar="ANSWERS.csv",
            help="Answers: problem,answer (one student); student,problem,answer or student,1,2,3... (a class); "
            "an optional sheet column gives each student's code. '-' reads stdin.",
        ),
    ],
    sheet: SheetCode = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", help="Without a code: the seed the sheet was made with.", show_default=False, metavar="N"
        ),
    ] = None,
    count: Annotated[
        int | None,
        typer.Option(
            "--count", "-n", help="Without a code: problems on the sheet (default 10).", show_default=False, metavar="N"
        ),
    ] = None,
    level: Level = None,
    conventions: Conventions = None,
    pound: PoundOption = None,
    pump_rounding: PumpOption = None,
    decimal: DecimalOption = None,
    partial: Annotated[
        bool, typer.Option("--partial", help="Give the partial credit the sheet's conventions name.")
    ] = False,
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="Output format.")] = CheckFormat.table,
    output: Output = None,
    gradebook: Annotated[
        Path | None,
        typer.Option(
            "--gradebook",
            help="Also write the gradebook CSV: student, sheet, score, out_of, percent, one column per problem, note.",
            show_default=False,
            metavar="FILE",
        ),
    ] = None,
    items: Annotated[
        Path | None,
        typer.Option(
            "--items",
            help="Also write the item analysis CSV: per problem and kind, how many were right and the commonest "
            "wrong answers with the error each matches.",
            show_default=False,
            metavar="FILE",
        ),
    ] = None,
    feedback: Annotated[
        Path | None,
        typer.Option(
            "--feedback",
            help="Also write one printable HTML page per student to this folder (made if need be): their answers, "
            "marks, the errors matched and the worked steps, to hand back. Files are named by the student's place "
            "and name (001-ana-lima.html); each is written whole or not at all.",
            show_default=False,
            metavar="DIR",
        ),
    ] = None,
    teacher_key: TeacherKeyOption = None,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """Mark answers against the key of their sheet: one student's, or a class's. {rule} Any spelling of the
    asked unit is that unit, and a bare number is taken in it. A blank is no answer; an answer that cannot
    be read is marked unreadable with its reason. Wrong answers get the common error they match and the
    worked steps. Exit status 1 when any answer (or row, or student's code) could not be read, 0 otherwise; 2
    when nothing can be marked (an unreadable file, no sheet named, a mistyped code for a single student)."""
    from .. import api
    from ..files import check_targets
    from ..formats import as_text
    from ..results import ClassMarks

    check_targets({"output": output, "gradebook": gradebook, "items": items}, {"answers": answers})
    if feedback is not None:
        _check_folder(feedback, "feedback")
    marks = api.mark(
        answers,
        seed,
        sheet=sheet,
        count=count,
        level=level,
        conventions=conventions,
        pound=None if pound is None else pound.value,
        pump_rounding=None if pump_rounding is None else pump_rounding.value,
        decimal=None if decimal is None else decimal.value,
        partial=partial,
        teacher_key=teacher_key,
        regimens_dir=regimens_dir,
        builtin=_builtin(no_builtin),
    )
    whole = marks if isinstance(marks, ClassMarks) else ClassMarks((marks,))
    if gradebook is not None:
        write(as_text(whole, "csv"), gradebook, "gradebook")
    if items is not None:
        write(as_text(whole.item_analysis(), "csv"), items, "items")
    if feedback is not None:
        _write_feedback(whole, feedback)
    emit(marks, format, output)
    if marks.unreadable:
        raise typer.Exit(1)


def _check_folder(folder: Path, field: str) -> None:
    """A folder to write into, checked before any work: a folder, or a name whose parent folder exists."""
    if folder.exists() and not folder.is_dir():
        raise DoseCalcError("is a file, not a folder; give a folder for the pages", field=field)
    if not folder.exists() and not folder.resolve().parent.is_dir():
        raise DoseCalcError("is in a folder that does not exist; make that folder first", field=field)


def _write_feedback(marks: ClassMarks, folder: Path) -> None:
    """One feedback page per student marked, each file written whole or not at all."""
    from ..files import path_text, write_atomic
    from ..render.html import feedback_filename, feedback_html

    try:
        folder.mkdir(exist_ok=True)
    except OSError as error:
        raise DoseCalcError(f"cannot make the folder ({error.strerror or error})", field="feedback") from None
    for position, student in enumerate(marks.students, 1):
        write_atomic(folder / feedback_filename(position, student.student), feedback_html([student]), field="feedback")
    print(f"Wrote {len(marks.students)} feedback page(s) to {path_text(folder)}", file=sys.stderr)


class KeyAction(StrEnum):
    new = "new"


check.__doc__ = (check.__doc__ or "").replace("{rule}", MARKING_RULE)


@command("key")
def key(
    action: Annotated[KeyAction, typer.Argument(metavar="new", help="new: make a new teacher's key file.")],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="The key file to write (mode 0600, whole or not at all).", metavar="FILE"),
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key file.")] = False,
) -> None:
    """A teacher's key for graded sheets: `dosecalc key new --output FILE` writes a new random secret to FILE,
    readable by you alone. Give it as --teacher-key FILE (or name it in DOSECALC_TEACHER_KEY) to `exercises`
    and `check`. Keep it on your own machine: whoever has it can make and mark every graded sheet made with
    it; a student with a graded code cannot. A lost key cannot be made again."""
    from .. import api
    from ..files import path_text

    made = api.new_teacher_key(output, force=force)
    print(f"Wrote {path_text(output)}: teacher key, fingerprint {made.fingerprint:04X}", file=sys.stderr)


@command("plot")
def plot(
    kind: Annotated[str, typer.Argument(metavar="KIND", help="rate-vs-weight, cumulative or schedule.")],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="The chart file: .png or .svg (written whole or not at all).", metavar="FILE"
        ),
    ],
    weight: Weight = None,
    regimen: Annotated[
        list[str] | None,
        typer.Option(
            "--regimen",
            "-r",
            help="Regimen id; repeat for several. Default: every card (schedule: the first card).",
            show_default=False,
            metavar="ID",
        ),
    ] = None,
    lightest: Annotated[
        str | None,
        typer.Option(
            "--from", help="rate-vs-weight: lightest weight (default 40 kg).", show_default=False, metavar="WEIGHT"
        ),
    ] = None,
    heaviest: Annotated[
        str | None,
        typer.Option(
            "--to", help="rate-vs-weight: heaviest weight (default 150 kg).", show_default=False, metavar="WEIGHT"
        ),
    ] = None,
    duration: Duration = None,
    max_rate: MaxRate = None,
    no_cap: NoCap = False,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """Draw a chart: each regimen's rate across a weight range (caps, crossings and, with --weight, the patient
    marked), cumulative dose over one session, or one regimen's schedule. Needs the plot extra (matplotlib):
    pip install '.[plot]' in dosecalc's source folder."""
    from .. import api
    from ..files import chart_format, check_targets

    check_targets({"output": output})
    fmt = chart_format(output, "output")
    chart = api.plot(
        kind,
        weight,
        regimen,
        lightest=lightest,
        heaviest=heaviest,
        duration=duration,
        max_rate=max_rate,
        no_cap=no_cap,
        regimens_dir=regimens_dir,
        builtin=_builtin(no_builtin),
    )
    write(chart.to_bytes(fmt), output)


@command("report")
def report(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The handout: an .html file (whole or not at all).", metavar="FILE")
    ],
    weight: Weight = None,
    regimen: RegimenList = None,
    duration: Duration = None,
    concentration: Concentration = None,
    drop_factor: DropFactor = None,
    step: Annotated[
        str | None,
        typer.Option(
            "--step",
            help="Time between schedule rows. Default: from the infusion's length, 30 min up to 12 h.",
            metavar="TIME",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Add the predicted plasma-concentration chart under this model (domino).",
            show_default=False,
            metavar="MODEL",
        ),
    ] = None,
    explain: Explain = False,
    regimens_dir: RegimensDir = None,
    no_builtin: NoBuiltin = False,
) -> None:
    """A printable, self-contained HTML handout: the disclaimer, the patient, the dose table, each schedule,
    charts, the cards with their sources, and (with --explain) the worked steps. Needs the report extra (jinja2):
    pip install '.[report]' in dosecalc's source folder."""
    from .. import api
    from ..files import check_suffix, check_targets

    check_targets({"output": output})
    check_suffix(output, (".html", ".htm"), "output")
    handout = api.report(
        weight,
        regimen,
        duration=duration,
        concentration=concentration,
        drop_factor=drop_factor,
        step=step,
        model=model,
        explain=explain,
        regimens_dir=regimens_dir,
        builtin=_builtin(no_builtin),
    )
    write(handout.html, output)


@command("serve")
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; 0.0.0.0 opens it to the network.", metavar="ADDRESS")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", metavar="PORT")] = 8000,
    regimens_dir: RegimensDir = None,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes (1 to 32).", metavar="N")] = 1,
    teacher_key: TeacherKeyOption = None,
) -> None:
    """Serve dosecalc in the browser: the calculator, schedules, cards, simulation, practice and teacher pages,
    and a JSON API. With --teacher-key the teacher's pages ask for the login code printed at start-up and make
    graded sheets; without it they are open on 127.0.0.1 only. Stopped by SIGTERM or Ctrl+C within 5 seconds.
    Needs the web extra: pip install '.[web]' in dosecalc's source folder."""
    import signal

    from ..web.serve import run
    from .stopped import Stopped

    try:
        run(host, port, regimens_dir, workers, teacher_key)
    except Stopped as stop:  # how a service manager stops a server: uvicorn has finished its requests
        print(f"dosecalc stopped ({signal.Signals(stop.signum).name})", file=sys.stderr)
