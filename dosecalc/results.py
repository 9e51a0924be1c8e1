"""Result objects: what every operation of :mod:`dosecalc.api` returns.

Each result holds the engine's figures as pint quantities (``table.rows[0].rate``) and knows how to
become the JSON contract (:meth:`to_dicts`), a pandas DataFrame (:meth:`to_dataframe`, with plain floats
and two-level ``(name, unit)`` columns, the layout of pint-pandas' ``dequantify()``, or with
``units="suffix"`` one level of names with the unit in them as the CSV has, ``rate_mg_per_h``), text in a format
(:meth:`as_text`) and HTML or Markdown in Jupyter, by asking the table of :mod:`dosecalc.formats`, which
finds the writer in :mod:`dosecalc.render`: a result never formats itself and never imports render.
``print(result)`` shows the terminal table, with the disclaimer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from .columns import DOSE_COLUMNS, NO_UNIT, SCHEDULE_COLUMNS, flat_name
from .errors import flags_checked

if TYPE_CHECKING:
    import pandas

    from .cohorts import BadRow, Patients, Tally
    from .dosing import DoseFigures, Patient, Plan
    from .pk import Run
    from .regimens import Card, Catalogue
    from .schedules import Schedule
    from .teaching.exercises import Problem
    from .teaching.marking import Item, Mark, NotMarked
    from .teaching.sheets import Convention, SheetSpec
    from .units import Quantity


class Result:
    """What every result can do: text in each of its formats, the JSON contract, Jupyter display."""

    #: Which writers of :mod:`dosecalc.render` serve this result.
    subject: ClassVar[str]
    #: The format ``print()`` shows.
    default_format: ClassVar[str] = "table"

    def formats(self) -> tuple[str, ...]:
        """The text formats :meth:`as_text` writes for this result."""
        from . import formats

        return formats.formats(self.subject)

    def as_text(self, format: str, *, width: int | None = None, color: bool = False, raw_csv: bool = False) -> str:
        """This result as text in ``format`` (one of :meth:`formats`): ``table`` (for a terminal),
        ``markdown``, ``csv``, ``json``, ``html``... Every format meant for people carries the disclaimer. CSV
        text cells that a spreadsheet could run as a formula get a quote in front unless ``raw_csv``."""
        from . import formats

        return formats.as_text(self, format, width=width, color=color, raw_csv=raw_csv)

    def to_bytes(self, format: str) -> bytes:
        """This result as bytes in ``format``: a zip package (``canvas``, ``qti21``) as it is, any text format
        (``moodle``, ``gift``, ``markdown``...) in UTF-8."""
        from . import formats

        return formats.as_bytes(self, format)

    def to_dicts(self) -> dict[str, Any]:
        """The JSON contract: exactly what ``dosecalc ... --format json`` prints, as plain dicts and lists."""
        from . import formats

        return formats.to_dicts(self)

    def __str__(self) -> str:
        return self.as_text(self.default_format, width=120)

    def _repr_markdown_(self) -> str | None:
        if "markdown" not in self.formats():
            return None
        from . import formats

        return formats.notebook_markdown(self)

    def _repr_html_(self) -> str | None:
        if "html" not in self.formats():
            return None
        from . import formats

        return formats.notebook_html(self)


#: How :meth:`to_dataframe` labels its columns: ``level``, two levels ``(name, unit)``; ``suffix``, one level
#: with the unit in the name (``rate_mg_per_h``), as the CSV's columns are named.
UNIT_LAYOUTS = ("level", "suffix")


def _layout(units: Any) -> str:
    """``units`` checked before any work: one of :data:`UNIT_LAYOUTS`."""
    if not isinstance(units, str) or units not in UNIT_LAYOUTS:
        from .errors import DoseCalcError

        raise DoseCalcError(
            f"{units!r:.40} is not a column layout; expected 'level' (two levels: name, unit) or 'suffix' "
            "(the unit in the name, rate_mg_per_h)",
            field="units",
        )
    return units


def _dataframe(
    columns: Sequence[tuple[str, str]],
    data: Sequence[Any],
    units: str = "level",
    flat: Sequence[str] | None = None,
) -> pandas.DataFrame:
    """A DataFrame with ``(name, unit)`` column labels, or with ``units="suffix"`` flat names (``flat``, or
    each name with its unit as :func:`dosecalc.columns.flat_name` writes it); ``data`` holds one sequence per
    column."""
    from .extras import require

    _layout(units)
    require("pandas")
    import pandas

    frame = pandas.DataFrame({i: list(values) for i, values in enumerate(data)})
    if units == "suffix":
        frame.columns = pandas.Index(list(flat) if flat is not None else [flat_name(*c) for c in columns])
    else:
        frame.columns = pandas.MultiIndex.from_tuples(columns, names=[None, "unit"])
    return frame


def _count(number: int, noun: str) -> str:
    """``1 row``, ``2 rows``, ``1,000 rows``."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def _magnitudes(rows: Sequence[Any], key: str, unit: str) -> list[float | None]:
    values: list[float | None] = []
    for row in rows:
        q = getattr(row, key)
        values.append(None if q is None else float(q.to(unit).magnitude))
    return values


class CardList(Result):
    """The regimen cards available, in order: iterate for the cards, index by id."""

    subject: ClassVar[str] = "cards"

    __slots__ = ("catalogue",)

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def __iter__(self) -> Iterator[Card]:
        return iter(self.catalogue.cards.values())

    def __len__(self) -> int:
        return len(self.catalogue.cards)

    def __getitem__(self, regimen: str) -> Card:
        return self.catalogue.get(regimen)

    def __contains__(self, regimen: object) -> bool:
        return regimen in self.catalogue.cards

    @property
    def ids(self) -> list[str]:
        return list(self.catalogue.cards)

    def origin(self, regimen: str) -> Path:
        """The file a card was read from."""
        self.catalogue.get(regimen)
        return self.catalogue.origins[regimen]

    def __repr__(self) -> str:
        return f"<CardList: {', '.join(self.catalogue.cards)}>"

    def to_dataframe(self, *, units: str = "level") -> pandas.DataFrame:
        """One row per card: id, title, kind, documented dose (value and unit), duration, sessions, cap."""
        from .regimens import documented_dose, dose_unit

        cards = list(self)
        dose_units = [dose_unit(card) for card in cards]
        return _dataframe(
            [
                ("id", NO_UNIT),
                ("title", NO_UNIT),
                ("kind", NO_UNIT),
                ("dose", NO_UNIT),
                ("dose_unit", NO_UNIT),
                ("duration", "h"),
                ("sessions", NO_UNIT),
                ("max_rate", "mg/h"),
            ],
            [
                [card.id for card in cards],
                [card.title for card in cards],
                [card.kind for card in cards],
                [float(documented_dose(card).to(unit).magnitude) for card, unit in zip(cards, dose_units, strict=True)],
                dose_units,
                _magnitudes(cards, "duration", "h"),
                [card.sessions for card in cards],
                _magnitudes(cards, "max_rate", "mg/h"),
            ],
            units,
        )


class CardDetail(Result):
    """One regimen card in full, with the file it came from."""

    subject: ClassVar[str] = "card"
    default_format: ClassVar[str] = "text"

    __slots__ = ("card", "origin")

    def __init__(self, card: Card, origin: Path) -> None:
        self.card = card
        self.origin = origin

    def __repr__(self) -> str:
        return f"<CardDetail: {self.card.id}>"


class DoseTable(Result):
    """Rate, dose and pump figures: one row per regimen for each patient.

    ``rows`` are :class:`dosecalc.dosing.DoseFigures`: quantities such as ``row.rate`` (mg/h),
    ``row.total_dose`` (mg), ``row.pump_rate`` (mL/h or None), with ``row.regimen`` and ``row.weight``.
    """

    subject: ClassVar[str] = "dose_table"

    __slots__ = ("brief", "groups")

    def __init__(self, groups: tuple[tuple[Patient, tuple[DoseFigures, ...]], ...], brief: bool = True) -> None:
        self.groups = groups
        #: Text for people gives each card note in its one-line form (JSON and CSV always give the full text).
        self.brief = brief

    @property
    def patients(self) -> list[Patient]:
        return [patient for patient, _ in self.groups]

    @property
    def patient(self) -> Patient:
        """The patient of a one-patient table."""
        if len(self.groups) != 1:
            raise ValueError(f"this table is for {len(self.groups)} patients; use .patients")
        return self.groups[0][0]

    @property
    def rows(self) -> list[DoseFigures]:
        return [row for _, rows in self.groups for row in rows]

    def __iter__(self) -> Iterator[DoseFigures]:
        return iter(self.rows)

    def __len__(self) -> int:
        return sum(len(rows) for _, rows in self.groups)

    def __getitem__(self, index: int) -> DoseFigures:
        return self.rows[index]

    def __repr__(self) -> str:
        weights = ", ".join(f"{float(p.weight.to('kg').magnitude):g} kg" for p in self.patients)
        return f"<DoseTable: {_count(len(self), 'row')} for {weights}>"

    def to_dataframe(self, *, units: str = "level") -> pandas.DataFrame:
        """One row per patient and regimen: ``(weight, kg)``, ``(regimen, No Unit)``, ``(sessions, No Unit)``,
        the figures in their canonical units (``(rate, mg/h)``...), ``(uncapped_rate, mg/h)`` and
        ``(cap_binds, No Unit)``. Pump and drip columns appear when a row has them.

        With ``units="suffix"`` the columns are one level of names with the unit in them, as the CSV names
        them (``weight_kg``, ``rate_mg_per_h``, ``pump_rate_ml_per_h``...), for ``groupby("regimen")`` and
        ``df["rate_mg_per_h"]``."""
        rows = self.rows
        present = [c for c in DOSE_COLUMNS if any(getattr(row, c.key) is not None for row in rows)]
        return _dataframe(
            [
                ("weight", "kg"),
                ("regimen", NO_UNIT),
                ("sessions", NO_UNIT),
                *((c.key, c.unit) for c in present),
                ("uncapped_rate", "mg/h"),
                ("cap_binds", NO_UNIT),
            ],
            [
                _magnitudes(rows, "weight", "kg"),
                [row.regimen for row in rows],
                [row.sessions for row in rows],
                *(_magnitudes(rows, c.key, c.unit) for c in present),
                _magnitudes(rows, "uncapped_rate", "mg/h"),
                [bool(row.cap_binds) for row in rows],
            ],
            units,
        )


class ScheduleTable(Result):
    """One regimen's time schedule for one patient. ``time``, ``rate``, ``step_dose``, ``cumulative_dose``,
    ``cumulative_dose_per_kg``, ``pump_rate`` and ``cumulative_volume`` are array quantities, one element per
    row; ``figures`` holds the regimen's dose figures."""

    subject: ClassVar[str] = "schedule"

    __slots__ = ("brief", "patient", "schedule")

    def __init__(self, schedule: Schedule, patient: Patient, brief: bool = True) -> None:
        self.schedule = schedule
        self.patient = patient
        #: Text for people gives each card note in its one-line form (JSON and CSV always give the full text).
        self.brief = brief

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in SCHEDULE_ATTRIBUTES:
            raise AttributeError(name)
        return getattr(self.schedule, name)

    def __len__(self) -> int:
        return self.schedule.rows

    def __repr__(self) -> str:
        return f"<ScheduleTable: {self.schedule.figures.regimen}, {_count(len(self), 'row')}>"

    def to_dataframe(self, *, units: str = "level") -> pandas.DataFrame:
        """One row per time: ``(time, h)``, ``(rate, mg/h)``, ``(step_dose, mg)``, ``(cumulative_dose, mg)``,
        ``(cumulative_dose_per_kg, mg/kg)`` and, with a concentration, the pump columns."""
        present = [c for c in SCHEDULE_COLUMNS if getattr(self.schedule, c.key) is not None]
        return _dataframe(
            [(c.key, c.unit) for c in present],
            [getattr(self.schedule, c.key).to(c.unit).magnitude.tolist() for c in present],
            units,
        )


SCHEDULE_ATTRIBUTES = frozenset({"figures", "step", *(c.key for c in SCHEDULE_COLUMNS)})


class SimulationTable(Result):
    """Predicted plasma concentration over time: the first run is the regimen asked for, the others the
    comparisons. Each run has ``simulation.time`` (h), ``simulation.concentration`` (ng/mL) and ``summary``."""

    subject: ClassVar[str] = "simulation"

    __slots__ = ("patient", "runs")

    def __init__(self, runs: tuple[Run, ...], patient: Patient) -> None:
        self.runs = runs
        self.patient = patient

    @property
    def time(self) -> Quantity:
        return self.runs[0].simulation.time

    @property
    def concentration(self) -> Quantity:
        """The first regimen's plasma concentration at each time."""
        return self.runs[0].simulation.concentration

    def chart(self) -> Chart:
        """The concentration of each simulated regimen against time, as a chart."""
        from .extras import require
        from .formats import function

        require("plot")
        return Chart(function("charts", "concentration_chart")(self.runs))

    def __repr__(self) -> str:
        ids = ", ".join(run.figures.regimen for run in self.runs)
        return f"<SimulationTable: {ids}, {_count(len(self.time), 'time')}>"

    def to_dataframe(self, *, units: str = "level") -> pandas.DataFrame:
        """``(time, h)``, then one ``(REGIMEN, ng/mL)`` column per simulated regimen; with ``units="suffix"``,
        ``time_h`` and ``concentration_ng_per_ml_REGIMEN``, as the CSV names them."""
        columns = [("time", "h"), *((run.figures.regimen, "ng/mL") for run in self.runs)]
        data = [self.time.to("h").magnitude.tolist()]
        data += [run.simulation.concentration.to("ng/mL").magnitude.tolist() for run in self.runs]
        flat = ["time_h", *(f"concentration_ng_per_ml_{run.figures.regimen}" for run in self.runs)]  # as the CSV
        return _dataframe(columns, data, units, flat)


class _Quiz:
    """What a sheet and a set of variants add for a learning platform whose uploads stop at a size: the
    export in parts (:mod:`dosecalc.teaching.parts`)."""

    __slots__ = ()

    subject: ClassVar[str]

    def to_parts(self, format: str, max_size: int | str) -> list[bytes]:
        """This sheet as ``moodle`` or ``gift`` files of at most ``max_size`` each (``"2MB"``: 2,000,000
        bytes, ``"500kB"``, ``"2MiB"``: 2,097,152 bytes, or an int of bytes): the fewest whole quiz files, split
        between questions, each with its categories, whose import gives the same question bank as
        ``to_bytes(format)``; that one file when it fits. Raises :class:`DoseCalcError` (``max_size``) for
        a size that cannot be read, another format, or a question larger than the size on its own."""
        from . import formats
        from .teaching.parts import split_limit

        return formats.as_parts(self, format, split_limit(max_size, format))

    def save_parts(self, path: str | Path, format: str, max_size: int | str) -> list[Path]:
        """Write :meth:`to_parts` to ``path`` (``quiz.xml``) when it is one file, else to numbered files
        beside it (``quiz-1.xml``, ``quiz-2.xml``...; ``quiz-01.xml`` from ten parts), all of them whole or
        none. Returns the files written."""
        from . import formats
        from .files import check_target, numbered, write_all_atomic

        target = Path(path)
        check_target(target, "path")
        parts = self.to_parts(format, max_size)
        paths = numbered(target, len(parts), formats.find(self.subject, format).suffix)
        write_all_atomic(list(zip(paths, parts, strict=True)), field="path")
        return paths


class Sheet(_Quiz, Result):
    """An exercise sheet: its problems (each with its answer, rounding and worked steps), what it was made from
    (``spec``: seed, count, level, conventions, the cards' fingerprint) and its ``code``, which determines it
    completely. When ``is_key`` its text is the answer key; :meth:`key` gives the key of a worksheet.
    ``student`` names the student a sheet of a class was made for."""

    subject: ClassVar[str] = "sheet"
    default_format: ClassVar[str] = "markdown"

    __slots__ = ("_problems", "is_key", "spec", "student")

    def __init__(
        self,
        problems: tuple[Problem, ...] | Callable[[], Sequence[Problem]],
        spec: SheetSpec,
        is_key: bool = False,
        student: str | None = None,
    ) -> None:
        self._problems = problems  # or what makes them, called when they are first read
        self.spec = spec
        self.is_key = is_key
        self.student = student

    @property
    def problems(self) -> tuple[Problem, ...]:
        """The problems, each with its answer, rounding, worked steps and common errors."""
        made = self._problems
        if callable(made):
            made = self._problems = tuple(made())
        return made

    @property
    def code(self) -> str:
        """The sheet code: ``dosecalc check ANSWERS.csv --sheet CODE`` needs nothing else."""
        from .teaching.sheets import encode

        return encode(self.spec)

    @property
    def seed(self) -> int | None:
        """The sheet's seed, or its set's; ``None`` for a graded sheet, whose code holds no seed."""
        return None if self.spec.graded else self.spec.seed

    @property
    def graded(self) -> bool:
        """Made with a teacher's key: its code marks nothing without that key."""
        return self.spec.graded

    @property
    def label(self) -> str:
        """What the sheet is for, as every sheet says: ``graded``, or ``practice: the key can be shown``."""
        return "graded" if self.spec.graded else "practice: the key can be shown"

    @property
    def convention(self) -> Convention:
        return self.spec.convention

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def __getitem__(self, index: int) -> Problem:
        return self.problems[index]

    def key(self) -> Sheet:
        """The same sheet as an answer key."""
        return Sheet(self.problems, self.spec, is_key=True, student=self.student)

    def __repr__(self) -> str:
        return f"<Sheet {self.code}: {_count(len(self), 'problem')}{', answer key' if self.is_key else ''}>"

    def to_dataframe(self, *, units: str = "level") -> pandas.DataFrame:
        """One row per problem: number, level, regimen, question, unit, and (for a key) the answer."""
        problems = self.problems
        columns = [("number", NO_UNIT), ("level", NO_UNIT), ("regimen", NO_UNIT), ("question", NO_UNIT)]
        data: list[list[Any]] = [
            [p.number for p in problems],
            [p.level for p in problems],
            [p.regimen for p in problems],
            [p.question for p in problems],
        ]
        columns.append(("unit", NO_UNIT))
        data.append([p.unit for p in problems])
        if self.is_key:
            columns += [("answer", NO_UNIT), ("exact", NO_UNIT)]
            data += [[p.answer for p in problems], [p.exact for p in problems]]
        return _dataframe(columns, data, units)


class _SheetSet(Result):
    """Sheets made together, each with its own seed derived from ``seed``: iterate, count and index them."""

    __slots__ = ("seed", "sheets")

    def __init__(self, sheets: tuple[Sheet, ...], seed: int) -> None:
        self.sheets = sheets
        self.seed = seed

    def __iter__(self) -> Iterator[Sheet]:
        return iter(self.sheets)

    def __len__(self) -> int:
        return len(self.sheets)

    def __getitem__(self, index: int) -> Sheet:
        return self.sheets[index]

    @property
    def graded(self) -> bool:
        """Made with a teacher's key."""
        return bool(self.sheets) and self.sheets[0].graded

    @property
    def name(self) -> str:
        """What names the set where people see it: its seed, or for a graded set an identifier that gives
        nothing of the seed (eight characters of its code's HMAC)."""
        from .teaching.sheets import ident_text

        ident = self.sheets[0].spec.ident if self.sheets else None
        return str(self.seed) if ident is None else ident_text(ident)


class Sheets(_SheetSet):
    """One sheet per student of a class, each with its own seed (derived from the class's) and code."""

    subject: ClassVar[str] = "sheets"
    default_format: ClassVar[str] = "markdown"

    __slots__ = ()

    def key(self) -> Sheets:
        """The same sheets as answer keys."""
        return Sheets(tuple(sheet.key() for sheet in self.sheets), self.seed)

    def __repr__(self) -> str:
        return (
            f"<Sheets: {_count(len(self), 'student')}, {'graded class ' if self.graded else 'class seed '}{self.name}>"
        )

    def to_dataframe(self, *, units: str = "level") -> pandas.DataFrame:
        """The roster: one row per student with the sheet code."""
        return _dataframe(
            [("student", NO_UNIT), ("sheet", NO_UNIT)],
            [[sheet.student for sheet in self.sheets], [sheet.code for sheet in self.sheets]],
            units,
        )


class Variants(_Quiz, _SheetSet):
    """N variants of a sheet for a learning platform: N sheets of the same count, level and conventions, each
    with its own seed (derived from the set's seed and the variant's number) and code. Problem N of every
    variant makes one category of the export, from which a quiz draws one question per student."""

    subject: ClassVar[str] = "variants"
    default_format: ClassVar[str] = "markdown"

    __slots__ = ()

    @property
    def count(self) -> int:
        """Problems on each variant's sheet."""
        return len(self.sheets[0]) if self.sheets else 0

    def __repr__(self) -> str:
        which = "graded set" if self.graded else "set seed"
        return f"<Variants: {_count(len(self), 'variant')} of {_count(self.count, 'problem')}, {which} {self.name}>"

    def to_dicts(self) -> dict[str, Any]:
        """``disclaimer``, ``seed`` and ``variants``: each variant's number and its sheet's JSON."""
        from .wording import DISCLAIMER

        return {
            "disclaimer": DISCLAIMER,
            "seed": None if self.graded else self.seed,
            "graded": self.graded,
            "variants": [{"variant": n} | sheet.to_dicts() for n, sheet in enumerate(self.sheets, 1)],
        }

    def to_dataframe(self, *, units: str = "level") -> pandas.DataFrame:
        """One row per variant: its number and sheet code."""
        return _dataframe(
            [("variant", NO_UNIT), ("sheet", NO_UNIT)],
            [list(range(1, len(self) + 1)), [sheet.code for sheet in self.sheets]],
            units,
        )


class Marks(Result):
    """One student's answers marked against a sheet's key: a mark per problem on the sheet, the score out of
    the sheet's problems, and anything in the answers that could not be attributed (``notes``)."""

    subject: ClassVar[str] = "marks"
    default_format: ClassVar[str] = "table"

    __slots__ = ("marks", "notes", "partial", "sheet", "student")

    def __init__(
        self,
        marks: tuple[Mark, ...],
        sheet: Sheet,
        *,
        student: str | None = None,
        partial: bool = False,
        notes: tuple[str, ...] = (),
    ) -> None:
        self.marks = marks
        self.sheet = sheet
        self.student = student
        self.partial = partial
        self.notes = notes

    @property
    def code(self) -> str:
        return self.sheet.code

    @property
    def seed(self) -> int | None:
        return self.sheet.seed

    @property
    def right(self) -> int:
        """How many answers are right."""
        return sum(mark.correct for mark in self.marks)

    @property
    def score(self) -> float:
        """The right answers, plus partial credit when marked with it."""
        return sum(mark.credit for mark in self.marks) if self.partial else self.right

    @property
    def out_of(self) -> int:
        """The number of problems on the sheet."""
        return len(self.marks)

    @property
    def percent(self) -> float:
        return 100 * self.score / self.out_of

    @property
    def unreadable(self) -> int:
        """How many answers could not be read (and rows that could not be attributed to a problem)."""
        return sum(mark.status == "unreadable" for mark in self.marks) + len(self.notes)

    def __iter__(self) -> Iterator[Mark]:
        return iter(self.marks)

    def __len__(self) -> int:
        return len(self.marks)

    def __getitem__(self, index: int) -> Mark:
        return self.marks[index]

    def __repr__(self) -> str:
        who = f"{self.student}: " if self.student else ""
        return f"<Marks {who}{_score_text(self.score)}/{self.out_of} on sheet {self.code}>"

    def to_dataframe(self, *, units: str = "level") -> pandas.DataFrame:
        """One row per problem: number, status, the answer given, the key's answer, the error, the credit."""
        marks = self.marks
        return _dataframe(
            [
                ("problem", NO_UNIT),
                ("status", NO_UNIT),
                ("given", NO_UNIT),
                ("answer", NO_UNIT),
                ("unit", NO_UNIT),
                ("diagnosis", NO_UNIT),
                ("credit", NO_UNIT),
            ],
            [
                [m.problem.number for m in marks],
                [m.status for m in marks],
                [m.given for m in marks],
                [m.problem.answer for m in marks],
                [m.problem.unit for m in marks],
                [m.diagnosis for m in marks],
                [m.credit for m in marks],
            ],
            units,
        )


def _score_text(score: float) -> str:
    return f"{score:g}"


class ClassMarks(Result):
    """A class's answers marked, each student against their own sheet: the gradebook and the item analysis."""

    subject: ClassVar[str] = "class_marks"
    default_format: ClassVar[str] = "table"

    __slots__ = ("ignored", "refused", "students")

    def __init__(
        self, students: tuple[Marks, ...], ignored: tuple[str, ...] = (), refused: tuple[NotMarked, ...] = ()
    ) -> None:
        self.students = students
        self.ignored = ignored  # columns of the answers file that were not read
        self.refused = refused  # students who could not be marked, and why (a sheet code that is not one)

    @property
    def unreadable(self) -> int:
        """Answers and rows that could not be read, and students who could not be marked."""
        return sum(marks.unreadable for marks in self.students) + len(self.refused)

    def item_analysis(self) -> ItemAnalysis:
        """Per problem position: how many were right, the commonest wrong answers and the errors they match."""
        from .teaching.marking import items

        return ItemAnalysis(tuple(items([marks.marks for marks in self.students])))

    def __iter__(self) -> Iterator[Marks]:
        return iter(self.students)

    def __len__(self) -> int:
        return len(self.students)

    def __getitem__(self, index: int) -> Marks:
        return self.students[index]

    def __repr__(self) -> str:
        return f"<ClassMarks: {_count(len(self), 'student')}>"

    def to_dataframe(self, *, units: str = "level") -> pandas.DataFrame:
        """The gradebook: student, sheet, score, out_of, percent, then the credit for each problem."""
        width = max((marks.out_of for marks in self.students), default=0)
        columns = [("student", NO_UNIT), ("sheet", NO_UNIT), ("score", NO_UNIT), ("out_of", NO_UNIT)]
        columns += [("percent", NO_UNIT)] + [(str(n), NO_UNIT) for n in range(1, width + 1)]
        rows = self.students
        data: list[list[Any]] = [
            [m.student for m in rows],
            [m.code for m in rows],
            [m.score for m in rows],
            [m.out_of for m in rows],
            [m.percent for m in rows],
        ]
        data += [[m.marks[n].credit if n < m.out_of else None for m in rows] for n in range(width)]
        return _dataframe(columns, data, units)


class ItemAnalysis(Result):
    """How a class did on each problem position (see :meth:`ClassMarks.item_analysis`)."""

    subject: ClassVar[str] = "items"
    default_format: ClassVar[str] = "table"

    __slots__ = ("items",)

    def __init__(self, items: tuple[Item, ...]) -> None:
        self.items = items

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"<ItemAnalysis: {_count(len(self), 'problem')}>"


class Handout(Result):
    """The printable handout: one self-contained HTML page."""

    subject: ClassVar[str] = "handout"
    default_format: ClassVar[str] = "html"

    __slots__ = ("html",)

    def __init__(self, html: str) -> None:
        self.html = html

    def __repr__(self) -> str:
        return f"<Handout: {len(self.html):,} characters of HTML>"

    def save(self, path: str | Path) -> None:
        """Write the handout to ``path`` (an .html file), whole or not at all."""
        from .files import check_suffix, write_atomic

        target = Path(path)
        check_suffix(target, (".html", ".htm"), "path")
        write_atomic(target, self.html, field="path")


class Chart:
    """A chart: a matplotlib figure, written as PNG or SVG. Jupyter shows it as SVG."""

    __slots__ = ("figure",)

    def __init__(self, figure: Any) -> None:
        self.figure = figure

    def __repr__(self) -> str:
        return "<Chart>"

    def to_bytes(self, format: str = "png") -> bytes:
        """The chart as ``png`` or ``svg`` bytes."""
        from .errors import DoseCalcError
        from .formats import CHART_FORMATS, function

        if format not in CHART_FORMATS:
            raise DoseCalcError(f"{format!r:.40} is not a chart format; expected png or svg", field="format")
        return bytes(function("charts", "chart_bytes")(self.figure, format))

    def save(self, path: str | Path) -> None:
        """Write the chart to ``path`` (.png or .svg), whole or not at all."""
        from .files import chart_format, write_atomic

        target = Path(path)
        write_atomic(target, self.to_bytes(chart_format(target, "path")), field="path")

    def _repr_svg_(self) -> str:
        return self.to_bytes("svg").decode("utf-8")


class CohortTable:
    """A cohort, read and computed as it is iterated (once): patients in chunks, each chunk's figures as
    array quantities. Refused rows are kept in ``refused`` (and passed to ``on_bad`` as they are found);
    ``tally`` counts the patients read, computed and refused."""

    def __init__(
        self,
        patients: Iterator[Patients],
        plans: Sequence[Plan],
        tally: Tally,
        refused: list[BadRow],
        close: Callable[[], None],
    ) -> None:
        self.patients = patients
        self.plans = plans
        self.tally = tally
        self.refused = refused
        #: Closes the patients file, if dosecalc opened it.
        self.close = close
        self._read = False

    def _take(self) -> Iterator[Patients]:
        """The patients, once: they are streamed from their source, not kept."""
        if self._read:
            from .errors import DoseCalcError

            raise DoseCalcError(
                "this cohort has been read already: its rows are streamed once, not kept; "
                "call dosecalc.cohort(...) again",
                field="patients",
            )
        self._read = True
        return self.patients

    def chunks(self) -> Iterator[tuple[Patients, list[DoseFigures]]]:
        """Each chunk of good patients (``ids``, ``kg``, the ``kept`` columns' cells) and one
        :class:`DoseFigures` of arrays per regimen."""
        from .dosing import calculate
        from .units import Q_

        try:
            for chunk in self._take():
                yield chunk, [calculate(plan, Q_(chunk.kg, "kg")) for plan in self.plans]
        except UnicodeDecodeError:
            from .files import not_utf8

            raise not_utf8() from None
        finally:
            self.close()

    @flags_checked
    def write_csv(self, sink: Callable[[str], object], *, raw: bool = False) -> Tally:
        """The cohort CSV (one row per patient and regimen, full precision) to ``sink``, a chunk at a time. Ids
        and kept cells that a spreadsheet could run as a formula get a quote in front unless ``raw``."""
        from .cohorts import write_csv

        try:
            write_csv(self._take(), self.plans, sink, self.tally.kept_columns, self.tally, raw)
        except UnicodeDecodeError:
            from .files import not_utf8

            raise not_utf8() from None
        finally:
            self.close()
        return self.tally

    def __repr__(self) -> str:
        regimens, patients = _count(len(self.plans), "regimen"), _count(self.tally.computed, "patient")
        return f"<CohortTable: {regimens}, {patients} computed so far>"

    def to_dataframe(self, *, units: str = "level") -> pandas.DataFrame:
        """The whole cohort (read now): one row per patient and regimen, in the order of the CSV output, with
        ``(id, No Unit)``, the kept columns, ``(regimen, No Unit)``, ``(weight, kg)``, the dose figures in
        their canonical units (``(rate, mg/h)``...; pump and drip figures when they apply) and
        ``(cap_binds, No Unit)``. With ``units="suffix"`` one level of names, as the cohort's CSV has them
        (``weight_kg``, ``rate_mg_per_h``...)."""
        import numpy as np

        _layout(units)  # before the cohort is read: it is read once

        from .cohorts import extras

        pump, drip = extras(self.plans)
        skip = {"concentration", *(() if pump else ("pump_rate", "volume")), *(() if drip else ("drip_rate",))}
        keys = [c for c in DOSE_COLUMNS if c.key not in skip]
        count = len(self.plans)
        ids: list[Any] = []
        kept: list[list[Any]] = [[] for _ in self.tally.kept_columns]
        regimens: list[Any] = []
        values: dict[str, list[Any]] = {key: [] for key in ("weight", "cap_binds", *(c.key for c in keys))}

        def patient_major(arrays: list[Any], n: int) -> Any:
            """One value per patient and regimen, patient by patient (regimens in order within each)."""
            return np.stack([np.broadcast_to(a, (n,)) for a in arrays], axis=1).ravel()

        for chunk, figures in self.chunks():
            n = len(chunk.ids)
            ids.append(np.repeat(np.array(chunk.ids, dtype=object), count))
            for column, cells in zip(kept, chunk.kept, strict=True):
                column.append(np.repeat(np.array(cells, dtype=object), count))
            regimens.append(np.tile(np.array([fig.regimen for fig in figures], dtype=object), n))
            values["weight"].append(patient_major([fig.weight.to("kg").magnitude for fig in figures], n))
            values["cap_binds"].append(patient_major([np.asarray(fig.cap_binds, dtype=bool) for fig in figures], n))
            for c in keys:
                parts = [
                    np.full(n, np.nan) if getattr(fig, c.key) is None else getattr(fig, c.key).to(c.unit).magnitude
                    for fig in figures
                ]
                values[c.key].append(patient_major(parts, n))

        def joined(parts: list[Any]) -> Any:
            return np.concatenate(parts) if parts else []

        return _dataframe(
            [
                ("id", NO_UNIT),
                *((name, NO_UNIT) for name in self.tally.kept_columns),
                ("regimen", NO_UNIT),
                ("weight", "kg"),
                *((c.key, c.unit) for c in keys),
                ("cap_binds", NO_UNIT),
            ],
            [
                joined(ids),
                *(joined(column) for column in kept),
                joined(regimens),
                joined(values["weight"]),
                *(joined(values[c.key]) for c in keys),
                joined(values["cap_binds"]),
            ],
            units,
        )
