"""The operations of dosecalc: what the command line, the web page, notebooks and exports all call.

Each operation takes what a person gives, as text exactly as the command line accepts it (``"154 lb"``,
``"100 mg in 50 mL"``, ``"15 min"``) or as pint quantities of dosecalc's registry (``dosecalc.Q_(154,
"lb")``), and returns a result object of :mod:`dosecalc.results`. Nothing here prints, parses a command
line or knows an option's name: a mistake raises :class:`dosecalc.DoseCalcError` whose ``field`` is the
parameter's name (``weight``), and each face words it its own way.

Educational reference only - not a prescribing tool, and not clinical advice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from .errors import DoseCalcError, Refusals, flags_checked, quote

if TYPE_CHECKING:
    import pandas

    from .cohorts import BadRow
    from .dosing import DoseFigures, Patient, Plan, WhatIf
    from .drugs import Drug
    from .pk import PKModel
    from .regimens import Card, Catalogue
    from .results import (
        CardDetail,
        CardList,
        Chart,
        ClassMarks,
        CohortTable,
        DoseTable,
        Handout,
        Marks,
        ScheduleTable,
        Sheet,
        Sheets,
        SimulationTable,
        Variants,
    )
    from .teaching.keys import TeacherKey
    from .teaching.sheets import Convention, SheetSpec
    from .units import Quantity, QuantitySpec

__all__ = [
    "card",
    "cards",
    "cohort",
    "exercises",
    "mark",
    "new_teacher_key",
    "plot",
    "report",
    "schedule",
    "simulate",
    "table",
    "teacher_key",
]

#: Text such as ``"70 kg"``, or a pint quantity of dosecalc's registry.
QuantityLike: TypeAlias = "str | Quantity"
#: One regimen id, several, or None for every card.
Regimens: TypeAlias = "str | Sequence[str] | None"
#: A folder of a teacher's own cards.
Folder: TypeAlias = "str | Path | None"

#: Most problems on one sheet.
MAX_PROBLEMS = 500
#: Longest course the what-if ``sessions`` allows in a table (one a day for a year).
MAX_SESSIONS = 365
#: About how many rows a schedule (and a handout's schedule) has when no step is given: see
#: :func:`dosecalc.schedules.default_step`.
SCHEDULE_ROWS = 24
#: About how many rows a simulation's table has when no step is given.
SIMULATION_ROWS = 200
#: Most sessions a simulation runs.
MAX_SIMULATED_SESSIONS = 60


# --------------------------------------------------------------------------------------- arguments


def _quantity(value: Any, spec: QuantitySpec, field: str, *, keep_unit: bool = False) -> Quantity:
    from .units import as_quantity

    try:
        return as_quantity(value, spec, keep_unit=keep_unit)
    except DoseCalcError as error:
        raise error.for_field(field) from None


def _optional(value: Any, spec_name: str, field: str) -> Quantity | None:
    from . import units

    return None if value is None else _quantity(value, getattr(units, spec_name), field)


def _whole(value: Any, field: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``, or a refusal naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DoseCalcError(f"expected a whole number from {low} to {high}, got {value!r:.40}", field=field)
    if not low <= value <= high:
        if value.bit_length() > 128:  # quoted by its size: a 4,000-digit number made a 4,000-character line
            shown = f"a number of about {int(value.bit_length() * 0.30103):,} digits"
        else:
            shown = str(value)
        raise DoseCalcError(f"{shown} is not a whole number from {low} to {high}", field=field)
    return value


def _problem_number(value: Any) -> int:
    """A problem number given as a whole number or as its digits (keys read from CSV or JSON are text)."""
    if isinstance(value, str):
        from .units import whole_number

        try:  # plain ASCII digits only: '²' or '٣' is a digit to str.isdigit() but no number to int()
            return whole_number(value, "answers", 1, MAX_PROBLEMS)
        except DoseCalcError:
            raise DoseCalcError(
                f"{quote(value)} is not a problem number (a whole number from 1 to {MAX_PROBLEMS})", field="answers"
            ) from None
    return _whole(value, "answers", 1, MAX_PROBLEMS)


def _choice(value: Any, field: str, choices: Sequence[str]) -> str:
    text = value if isinstance(value, str) else f"{value:g}" if isinstance(value, (int, float)) else repr(value)
    if text not in choices:
        raise DoseCalcError(f"{text!r:.40} is not one of {', '.join(choices)}", field=field)
    return text


def _patient(weight: Any) -> Patient:
    """The patient of a weight given as text or a quantity; the 70 kg reference adult when it is None."""
    from .dosing import REFERENCE_PATIENT, Patient
    from .units import WEIGHT, to

    if weight is None:
        return REFERENCE_PATIENT
    typed = _quantity(weight, WEIGHT, "weight", keep_unit=True)
    given = weight if isinstance(weight, str) else f"{float(typed.magnitude)!r} {typed.units:~}"  # full precision
    return Patient(to(typed, "kg"), given, typed)


def _patients(weight: Any) -> list[Patient]:
    """One patient, or one for each weight of a list (or of an array quantity, a pandas Series or a numpy array
    of texts or quantities)."""
    import numpy as np
    import pint

    from .frames import listed

    weight = listed(weight, "weight", "kg")
    if isinstance(weight, pint.Quantity) and np.ndim(weight.magnitude) == 1:
        weight = [value for value in weight]  # an array quantity: one patient per element
    if isinstance(weight, (list, tuple)):
        if not weight:
            raise DoseCalcError("is an empty list; give at least one weight, such as '70 kg'", field="weight")
        for number, item in enumerate(weight, 1):
            if item is None:  # never the reference adult in place of a weight left out of a list
                raise DoseCalcError(
                    f"entry {number} of the list is None; give a weight such as '70 kg' there", field="weight"
                )
        return [_patient(item) for item in weight]
    return [_patient(weight)]


def _catalogue(regimens_dir: Folder, builtin: bool) -> Catalogue:
    from .regimens import load_catalogue

    if not builtin and regimens_dir is None:
        raise DoseCalcError("without built-in cards there is nothing to use; give a folder of cards", field="builtin")
    return load_catalogue(None if regimens_dir is None else Path(regimens_dir), builtin=builtin)


def _sheet_cards(regimens_dir: Folder, builtin: bool) -> list[Card]:
    """The cards sheets are made from and marked against (:func:`~dosecalc.teaching.sheets.sheet_cards`)."""
    from .teaching.sheets import sheet_cards

    return sheet_cards(_catalogue(regimens_dir, builtin), builtin=builtin)


def _names(value: Any, field: str, noun: str, *, empty: bool = False) -> list[str] | None:
    """Names given as one text or a list of texts (regimen ids, column names); None when none is given. An
    empty list is refused unless ``empty`` allows it."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        if not value and not empty:
            raise DoseCalcError(f"is an empty list; give a {noun}, or None for every card", field=field)
        return list(value)
    raise DoseCalcError(f"expected a {noun} or a list of them, got {value!r:.40}", field=field)


def _ids(regimen: Regimens, field: str = "regimen") -> list[str] | None:
    return _names(regimen, field, "regimen id")


def _chosen(regimen: Regimens, regimens_dir: Folder, builtin: bool) -> tuple[list[Card], Mapping[str, Drug]]:
    """The cards named (all when none is) and the teacher's drug files beside them."""
    catalogue = _catalogue(regimens_dir, builtin)
    return catalogue.select(_ids(regimen)), catalogue.drugs


def _what_if(
    duration: Any = None,
    concentration: Any = None,
    drop_factor: Any = None,
    sessions: Any = None,
    max_rate: Any = None,
    no_cap: bool = False,
    sessions_limit: int = MAX_SESSIONS,
    refusals: Refusals | None = None,
) -> WhatIf:
    """The what-if options, each checked. With ``refusals``, a refused option is kept there and left out of
    the result (as if not given), so that the caller reports it with the rest; without, it is raised here."""
    from .dosing import WhatIf
    from .units import as_concentration

    found = Refusals() if refusals is None else refusals
    if max_rate is not None and no_cap:
        found.add(DoseCalcError("cannot be combined with a what-if rate cap; choose one", field="no_cap"))
        no_cap = False

    def conc() -> Any:
        try:
            return None if concentration is None else as_concentration(concentration)
        except DoseCalcError as error:
            raise error.for_field("concentration") from None

    read = found.read
    what_if = WhatIf(
        concentration=read(conc, None),
        duration=read(lambda: _optional(duration, "DURATION", "duration"), None),
        drop_factor=read(lambda: _optional(drop_factor, "DROP_FACTOR", "drop_factor"), None),
        sessions=read(lambda: None if sessions is None else _whole(sessions, "sessions", 1, sessions_limit), None),
        max_rate=read(lambda: _optional(max_rate, "RATE", "max_rate"), None),
        no_cap=bool(no_cap),
    )
    if refusals is None:
        found.check()
    return what_if


def _brief(notes: Any) -> bool:
    return _choice(notes, "notes", ("brief", "full")) == "brief"


def _plans(cards: Sequence[Card], what_if: WhatIf, drugs: Mapping[str, Drug] | None = None) -> list[Plan]:
    from .dosing import make_plans

    return make_plans(cards, what_if, drugs)


def _check_drip(what_if: WhatIf, plans: Sequence[Plan]) -> None:
    """A drop factor is refused, before any figure is computed, when no regimen has a concentration (given,
    or the card's preparation) to turn into a drip rate."""
    if what_if.drop_factor is not None and all(plan.concentration is None for plan in plans):
        raise DoseCalcError("a drip rate needs a concentration, such as '2 mg/mL'", field="drop_factor")


def _checked_plans(
    refusals: Refusals, regimen: Regimens, what_if: WhatIf, regimens_dir: Folder, builtin: bool
) -> list[Plan]:
    """The plans of the cards named, refusals kept in ``refusals``: the regimen ids, the what-if duration
    against each card's minimum, and a drop factor with no concentration to turn into a drip rate. A drop
    factor is not refused for want of a concentration when the concentration given was itself refused: that
    one refusal says what to fix."""
    chosen = refusals.read(lambda: _chosen(regimen, regimens_dir, builtin), None)
    if chosen is None:
        return []
    plans: list[Plan] = refusals.read(lambda: _plans(chosen[0], what_if, chosen[1]), [])
    if plans and not refusals.refused("concentration"):
        refusals.read(lambda: _check_drip(what_if, plans), None)
    return plans


# --------------------------------------------------------------------------------------- cards


@flags_checked
def cards(regimens_dir: Folder = None, *, builtin: bool = True) -> CardList:
    """The regimen cards: the built-in ones, a teacher's own folder of cards (added to them), or both.

    Parameters
    ----------
    regimens_dir : str or Path, optional
        A folder of ``*.toml`` regimen cards. Every card in it must be valid, with an id of its own.
    builtin : bool
        Include the built-in cards (default ``True``).

    Returns
    -------
    CardList
        The cards in order; ``cards()["rate-22-mg-h"]`` is one card, ``.to_dicts()`` the JSON of
        ``dosecalc regimens --format json``.

    Raises
    ------
    DoseCalcError
        A folder that cannot be read, a broken card (one line per problem), a duplicate id.

    Examples
    --------
    >>> from dosecalc import cards
    >>> cards().ids[:4]
    ['rate-22-mg-h', 'rate-0.35-mg-kg-h', 'total-80-mg-5-h', 'initial-80-mg-2-h']
    >>> cards().ids[4:7]
    ['rate-22-mg-h-4-days', 'total-0.5-mg-kg-40-min', 'bolus-0.5-mg-kg-then-10-mcg-kg-min']
    >>> cards().ids[7:]
    ['rate-40-mg-h-5-days', 'total-1-mg-kg-40-min', 'rate-0.6-mg-kg-h-96-h']
    >>> cards()["rate-0.35-mg-kg-h"].max_rate
    <Quantity(25.0, 'milligram / hour')>
    """
    from .results import CardList

    return CardList(_catalogue(regimens_dir, builtin))


@flags_checked
def card(regimen: str, regimens_dir: Folder = None, *, builtin: bool = True) -> CardDetail:
    """One regimen card in full, with its sources and notes, and the file it came from.

    Parameters
    ----------
    regimen : str
        A regimen id, as :func:`cards` lists them.
    regimens_dir, builtin
        As for :func:`cards`.

    Returns
    -------
    CardDetail
        ``card`` (the validated card) and ``origin`` (its file); ``as_text("text")`` is ``dosecalc show``.

    Examples
    --------
    >>> from dosecalc import card
    >>> card("total-80-mg-5-h").card.sessions
    7
    >>> card("total-80-mg-5-h").card.total_dose
    <Quantity(80.0, 'milligram')>
    """
    from .results import CardDetail

    catalogue = _catalogue(regimens_dir, builtin)
    if not isinstance(regimen, str):
        raise DoseCalcError(f"expected a regimen id, got {regimen!r:.40}", field="regimen")
    found = catalogue.get(regimen)
    return CardDetail(found, catalogue.origins[found.id])


# --------------------------------------------------------------------------------------- tables


@flags_checked
def table(
    weight: QuantityLike | Sequence[QuantityLike] | None = None,
    regimen: Regimens = None,
    *,
    duration: QuantityLike | None = None,
    concentration: QuantityLike | None = None,
    drop_factor: QuantityLike | None = None,
    sessions: int | None = None,
    max_rate: QuantityLike | None = None,
    no_cap: bool = False,
    explain: bool = False,
    notes: str = "brief",
    regimens_dir: Folder = None,
    builtin: bool = True,
) -> DoseTable:
    """Rate, dose and pump figures for each regimen, for one patient or several.

    For each regimen (canonical units in brackets):

    * rate [mg/h]: the card's rate; rate per kg [mg/kg/h] x weight [kg]; or total [mg] (or total per kg
      [mg/kg] x weight) / duration [h]; then the lower of that and the rate cap [mg/h]
    * dose per session [mg] = rate x duration; course total [mg] = dose per session x sessions
    * per-kg figures = figure / weight [kg]
    * with a concentration [mg/mL]: pump rate [mL/h] = rate / concentration; volume [mL] = dose / concentration
    * with a drop factor [gtt/mL]: drip rate [gtt/min] = pump rate x drop factor / 60 min/h

    Parameters
    ----------
    weight : str or Quantity, or a list of them, optional
        Body weight with its unit: ``"70 kg"``, ``"154 lb"``, ``Q_(70, "kg")``. A list, an array quantity, or a
        pandas Series or numpy array of texts or quantities gives rows for each weight (plain numbers are
        refused: give ``Q_(array, "kg")``). Default: the 70 kg reference adult (said in the output).
    regimen : str or list of str, optional
        Regimen ids; default every card.
    duration : str, Quantity or timedelta, optional
        What-if infusion duration (``"3 h"``, ``datetime.timedelta(hours=3)``); never below a card's minimum.
        Every time dosecalc takes (a step, an interval) may be a ``timedelta`` too.
    concentration : str or Quantity, optional
        ``"2 mg/mL"`` or a preparation ``"100 mg in 50 mL"``: adds the pump rate and volume. Without it, a card's
        documented preparation is used (and said in the notes).
    drop_factor : str or Quantity, optional
        A gravity set's drop factor (``"20 gtt/mL"``): adds the drip rate; needs a concentration.
    sessions : int, optional
        What-if number of sessions in the course (1 to 365).
    max_rate : str or Quantity, optional
        What-if rate cap (``"25 mg/h"``), in place of the card's.
    no_cap : bool
        Ignore every rate cap.
    explain : bool
        Record the worked steps of each figure (``row.steps``; shown by every format).
    notes : str
        ``"brief"``: text for people gives each card note in one line (the first screen stays short);
        ``"full"``: the whole text. JSON and CSV always carry the full text.
    regimens_dir, builtin
        As for :func:`cards`.

    Returns
    -------
    DoseTable
        ``rows`` with quantity attributes (``row.rate``, ``row.total_dose``...); ``to_dicts()`` is the JSON
        of ``dosecalc table --format json``; ``to_dataframe()`` one row per patient and regimen.

    Raises
    ------
    DoseCalcError
        Its ``field`` names the parameter: text that is not a plain number with a unit of the right kind, a
        bare number (``70``: no unit), an unknown regimen, a duration below a card's minimum...

    Examples
    --------
    >>> from dosecalc import table
    >>> row = table("154 lb", "rate-0.35-mg-kg-h").rows[0]
    >>> round(row.rate.to("mg/h").magnitude, 6)  # 0.35 mg/kg/h x 69.85322498 kg
    24.448629
    >>> [round(r.rate.to("mg/h").magnitude, 3) for r in table(["50 kg", "120 kg"], "rate-0.35-mg-kg-h")]
    [17.5, 25.0]
    """
    from .dosing import calculate
    from .results import DoseTable

    refusals = Refusals()  # every argument checked, every refusal raised at once, before any figure
    patients: list[Patient] = refusals.read(lambda: _patients(weight), [])
    what_if = _what_if(duration, concentration, drop_factor, sessions, max_rate, no_cap, refusals=refusals)
    plans = _checked_plans(refusals, regimen, what_if, regimens_dir, builtin)
    brief = refusals.read(lambda: _brief(notes), True)
    refusals.check()
    groups = tuple(
        (patient, tuple(calculate(plan, patient.typed, bool(explain)) for plan in plans)) for patient in patients
    )
    return DoseTable(groups, brief)


@flags_checked
def schedule(
    regimen: str,
    weight: QuantityLike | None = None,
    *,
    step: QuantityLike | None = None,
    duration: QuantityLike | None = None,
    concentration: QuantityLike | None = None,
    drop_factor: QuantityLike | None = None,
    explain: bool = False,
    notes: str = "brief",
    regimens_dir: Folder = None,
    builtin: bool = True,
) -> ScheduleTable:
    """The time schedule of one regimen: elapsed time, rate, dose in each step, cumulative dose and volume.

    At elapsed time t [h]: cumulative dose [mg] = rate [mg/h] x t; cumulative volume [mL] = cumulative dose /
    concentration [mg/mL]. Rows at 0, step, 2 x step, ... and always at the end of the infusion, whose
    cumulative dose is the dose per session.

    Parameters
    ----------
    regimen : str
        A regimen id.
    weight : str or Quantity, optional
        As for :func:`table`.
    step : str or Quantity
        Time between rows (``"15 min"``, ``"1 h"``); at most 10,000 rows.
    duration, concentration, drop_factor, explain, notes, regimens_dir, builtin
        As for :func:`table`.

    Returns
    -------
    ScheduleTable
        Array quantities ``time``, ``rate``, ``step_dose``, ``cumulative_dose``... one element per row.

    Examples
    --------
    >>> from dosecalc import schedule
    >>> s = schedule("initial-80-mg-2-h", "70 kg", step="30 min")
    >>> s.cumulative_dose.to("mg").magnitude.tolist()  # 80 mg / 2 h = 40 mg/h; 40 mg/h x 0, 0.5, ... 2 h
    [0.0, 20.0, 40.0, 60.0, 80.0]
    """
    from .dosing import calculate
    from .regimens import PhasedCard
    from .results import ScheduleTable
    from .schedules import build_schedule, check_rows, default_step
    from .units import Q_

    refusals = Refusals()  # every argument checked, every refusal raised at once, before any figure
    patient = refusals.read(lambda: _patient(weight), None)
    step_q = refusals.read(lambda: None if step is None else _quantity(step, _spec("TIME_STEP"), "step"), None)
    what_if = _what_if(duration, concentration, drop_factor, refusals=refusals)
    plans: list[Plan] = []
    if isinstance(regimen, str):
        plans = _checked_plans(refusals, regimen, what_if, regimens_dir, builtin)
    else:
        refusals.add(DoseCalcError(f"expected one regimen id, got {regimen!r:.40}", field="regimen"))
    brief = refusals.read(lambda: _brief(notes), True)
    given_step = step_q
    if given_step is not None and plans and not isinstance(plans[0].card, PhasedCard):  # a phased one: when built
        refusals.read(lambda: check_rows(plans[0].duration, given_step), 0)
    refusals.check()
    assert patient is not None  # refused otherwise
    (plan,) = plans
    figures = calculate(plan, patient.typed, bool(explain))
    if step_q is None:
        step_q = default_step(figures.duration, Q_(15.0, "min"), SCHEDULE_ROWS)
    return ScheduleTable(build_schedule(figures, step_q), patient, brief)


def _spec(name: str) -> QuantitySpec:
    from . import units

    spec: QuantitySpec = getattr(units, name)
    return spec


# --------------------------------------------------------------------------------------- cohorts


@flags_checked
def cohort(
    patients: str | Path | Iterable[Any] | pandas.DataFrame,
    regimen: Regimens = None,
    *,
    duration: QuantityLike | None = None,
    concentration: QuantityLike | None = None,
    drop_factor: QuantityLike | None = None,
    sessions: int | None = None,
    max_rate: QuantityLike | None = None,
    no_cap: bool = False,
    keep: str | Sequence[str] | None = None,
    regimens_dir: Folder = None,
    builtin: bool = True,
    on_bad: Callable[[BadRow], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> CohortTable:
    """The dose table for a whole class or a simulated population, streamed in chunks of patients.

    The figures are those of :func:`table` for each patient (the same arithmetic on numpy arrays).

    Parameters
    ----------
    patients : path, text stream, DataFrame, or rows
        A CSV file (path) or a stream of CSV text with a header row and ``id`` and ``weight`` columns (weight
        text with its unit, ``70 kg``; or plain numbers in a column named ``weight_kg``, ``weight_lb`` or
        ``weight_g``); a pandas DataFrame with the same columns (a named index counts as a column); or rows:
        ``(id, weight)`` pairs or mappings with ``id`` and ``weight``, the weight as text or a quantity. A file
        is checked to be UTF-8 before any row is read.
    regimen, duration, concentration, drop_factor, sessions, max_rate, no_cap, regimens_dir, builtin
        As for :func:`table`.
    keep : str or list of str, optional
        Other columns of the file to carry into every output row after the id (a student's name, a class).
    on_bad : callable, optional
        Called with each refused row (:class:`dosecalc.cohort.BadRow`: row number, id, field, given, reason)
        as it is found; every refused row is also kept in the result's ``refused``.
    on_progress : callable, optional
        Called with the number of rows of each chunk read.

    Returns
    -------
    CohortTable
        Read as it is used, once: ``to_dataframe()``, ``write_csv(sink)`` or ``chunks()``; ``tally`` counts the
        patients read, computed and refused.

    Examples
    --------
    >>> from dosecalc import cohort
    >>> result = cohort([("p1", "70 kg"), ("p2", "154 lb"), ("p3", "70,5 kg")], "rate-0.35-mg-kg-h")
    >>> frame = result.to_dataframe()
    >>> frame[("rate", "mg/h")].round(6).tolist()
    [24.5, 24.448629]
    >>> print(result.refused[0])
    row 4 (id 'p3'): weight: '70,5 kg' uses a decimal comma; write 70.5 kg
    """
    from .cohorts import Tally, patient_lines, read_patients
    from .results import CohortTable

    what_if = _what_if(duration, concentration, drop_factor, sessions, max_rate, no_cap)
    chosen, drugs = _chosen(regimen, regimens_dir, builtin)
    plans = _plans(chosen, what_if, drugs)
    _check_drip(what_if, plans)
    kept = _names(keep, "keep", "column name", empty=True) or []
    refused: list[BadRow] = []

    def refuse(row: BadRow) -> None:
        refused.append(row)
        if on_bad is not None:
            on_bad(row)

    source, close = patient_lines(patients)
    tally = Tally()
    try:
        chunks = read_patients(source, tally, refuse, on_progress=on_progress, keep=kept)
    except UnicodeDecodeError:
        close()
        from .files import not_utf8

        raise not_utf8() from None
    except BaseException:
        close()
        raise
    return CohortTable(chunks, plans, tally, refused, close)


# --------------------------------------------------------------------------------------- simulation


@flags_checked
def simulate(
    regimen: str,
    weight: QuantityLike | None = None,
    *,
    model: str = "domino",
    duration: QuantityLike | None = None,
    sessions: int = 1,
    interval: QuantityLike = "24 h",
    until: QuantityLike | None = None,
    step: QuantityLike | None = None,
    compare: Regimens = None,
    regimens_dir: Folder = None,
    builtin: bool = True,
) -> SimulationTable:
    """Predicted plasma concentration over time under a population pharmacokinetic model (a teaching
    estimate: it describes no real patient).

    The model's compartments are solved exactly for the regimen's constant-rate infusions (see
    :mod:`dosecalc.pk`); concentration [ng/mL] = central amount [mg] / (V1 [L/kg] x weight [kg]). A bolus the
    card gives at once is given at a constant rate over 1 min (:data:`dosecalc.pk.BOLUS_OVER`), and the notes
    say so.

    Parameters
    ----------
    regimen : str
        The regimen simulated first.
    weight : str or Quantity, optional
        As for :func:`table`.
    model : str
        A shipped model card: ``domino`` (Domino et al. 1982, racemic ketamine).
    duration : str or Quantity, optional
        What-if infusion duration.
    sessions : int
        Sessions to simulate (1 to 60), one every ``interval``.
    interval : str or Quantity
        Time from the start of one session to the next (at least the duration).
    until : str or Quantity, optional
        Simulate up to this time from the start (default: 12 h after the last session ends).
    step : str or Quantity
        Time between rows.
    compare : str or list of str, optional
        Other regimens simulated the same way, for comparison.
    regimens_dir, builtin
        As for :func:`cards`.

    Returns
    -------
    SimulationTable
        ``time`` (h) and, for each run, ``simulation.concentration`` (ng/mL) and a ``summary``.

    Examples
    --------
    >>> from dosecalc import simulate
    >>> run = simulate("initial-80-mg-2-h", "70 kg").runs[0]
    >>> float(run.simulation.infused.to("mg").magnitude[-1])  # 40 mg/h for 2 h
    80.0
    """
    from .dosing import calculate

    refusals = Refusals()  # every argument checked, every refusal raised at once, before any figure
    read = refusals.read
    patient = read(lambda: _patient(weight), None)
    what_if = _what_if(duration, refusals=refusals)
    count = read(lambda: _whole(sessions, "sessions", 1, MAX_SIMULATED_SESSIONS), 1)
    every = read(lambda: _quantity(interval, _spec("DURATION"), "interval"), None)
    plans: list[Plan] = []
    if isinstance(regimen, str):
        catalogue = read(lambda: _catalogue(regimens_dir, builtin), None)
        cards_: list[Card] = [] if catalogue is None else read(lambda: [catalogue.get(regimen)], [])
        if catalogue is not None and compare is not None:

            def compared() -> list[Card]:
                try:
                    return [card for card in catalogue.select(_ids(compare, "compare")) if card.id != regimen]
                except DoseCalcError as error:
                    raise error.for_field("compare") from None

            cards_ += read(compared, [])
        if catalogue is not None:
            plans = read(lambda: _plans(cards_, what_if, catalogue.drugs), [])
    else:
        refusals.add(DoseCalcError(f"expected one regimen id, got {regimen!r:.40}", field="regimen"))
    end = read(lambda: None if until is None else _quantity(until, _spec("DURATION"), "until"), None)
    step_q = read(lambda: None if step is None else _quantity(step, _spec("TIME_STEP"), "step"), None)
    chosen = read(lambda: _model(model), None)
    refusals.check()
    assert patient is not None and chosen is not None  # refused otherwise
    figures = [calculate(plan, patient.typed) for plan in plans]
    return _simulation(chosen, patient, figures, count, every, end, step_q)


def _model(model: Any) -> PKModel:
    """The shipped PK model called ``model``, or a refusal naming ``model``."""
    from . import pk

    if not isinstance(model, str):
        raise DoseCalcError(f"expected a model name, got {model!r:.40}", field="model")
    return pk.get_model(model)


def _simulation(
    chosen: PKModel,
    patient: Patient,
    figures: Sequence[DoseFigures],
    sessions: int = 1,
    interval: Quantity | None = None,
    until: Quantity | None = None,
    step: Quantity | None = None,
) -> SimulationTable:
    """The simulation of each regimen's figures under the model ``chosen``: one set-up for :func:`simulate` and
    :func:`report`."""
    from . import pk
    from .results import SimulationTable
    from .schedules import MAX_ROWS, default_step

    courses = []
    for number, row in enumerate(figures):
        pk.check_drug(chosen, row, "regimen" if number == 0 else "compare")
        course = pk.course_of(row, sessions, interval)
        pk.check_course(course)
        courses.append((row, course))
    end = until if until is not None else pk.default_end([course for _, course in courses])
    if step is None:
        step = default_step(end, pk.SIMULATION_STEP, SIMULATION_ROWS)
    times = pk.output_times(end, step, MAX_ROWS)
    return SimulationTable(tuple(pk.run_courses(chosen, patient.weight, courses, times)), patient)


# --------------------------------------------------------------------------------------- teaching


def _convention(
    conventions: Any,
    pound: Any,
    pump_rounding: Any,
    method: Any = None,
    decimal: Any = None,
    refusals: Refusals | None = None,
) -> Convention:
    """The sheet's conventions: a built-in profile by name, a school's profile file, or a :class:`Convention`;
    ``pound``, ``pump_rounding``, ``method`` and ``decimal``, when given, change those rules of it. Each is
    checked; with ``refusals`` every refusal is kept there (the result then stands for nothing), without it
    they are raised here."""
    from decimal import Decimal

    from .teaching.sheets import DECIMALS, METHODS, PROFILES

    found = Refusals() if refusals is None else refusals
    chosen = found.read(lambda: _profile(conventions), PROFILES["standard"])
    if pound is not None:
        chosen = found.read(lambda: chosen.replace(pound=_choice(pound, "pound", ("exact", "2.2"))), chosen)
    if method is not None:
        chosen = found.read(lambda: chosen.replace(method=_choice(method, "method", METHODS)), chosen)
    if decimal is not None:
        chosen = found.read(lambda: chosen.replace(decimal=_choice(decimal, "decimal", DECIMALS)), chosen)
    if pump_rounding is not None:
        step = found.read(lambda: _choice(pump_rounding, "pump_rounding", ("0.1", "1")), None)
        if step is not None:
            chosen = chosen.replace(
                rounding=tuple((unit, Decimal(step) if unit == "mL/h" else value) for unit, value in chosen.rounding)
            )
    if refusals is None:
        found.check()
    return chosen


def _profile(conventions: Any) -> Convention:
    """A built-in profile by name, a school's profile file, or a :class:`Convention` as it is."""
    from .teaching.sheets import PROFILES, Convention, convention_from_mapping

    if isinstance(conventions, Convention):
        chosen = conventions
    elif isinstance(conventions, str) and conventions in PROFILES:
        chosen = PROFILES[conventions]
    elif isinstance(conventions, (str, Path)):
        from .files import parse_toml, read_text

        where = str(conventions)
        if not Path(conventions).exists() and str(conventions) != "-":
            raise DoseCalcError(
                f"{quote(where)} is neither a built-in profile ({', '.join(PROFILES)}) nor a profile file",
                field="conventions",
            )
        try:
            data = parse_toml(read_text(conventions, "conventions"), "conventions")
        except DoseCalcError as error:
            raise DoseCalcError(f"{where}: {error.problem}", field="conventions") from None
        try:
            chosen = convention_from_mapping(data, where)
        except DoseCalcError as error:
            raise error.for_field("conventions") from None
    else:
        names = ", ".join(PROFILES)
        raise DoseCalcError(
            f"expected a profile ({names}) or a profile file, got {conventions!r:.40}", field="conventions"
        )
    return chosen


@flags_checked
def exercises(
    count: int = 10,
    seed: int = 1,
    *,
    level: int | None = None,
    conventions: str | Path | Convention = "standard",
    pound: str | None = None,
    pump_rounding: str | None = None,
    method: str | None = None,
    decimal: str | None = None,
    key: bool = False,
    students: str | Path | Sequence[str] | None = None,
    variants: int | None = None,
    teacher_key: str | Path | TeacherKey | None = None,
    regimens_dir: Folder = None,
    builtin: bool = True,
) -> Sheet | Sheets | Variants:
    """A reproducible sheet of dosage-calculation problems from the cards, with its answer key and its code.

    Every answer and its worked steps come from the same arithmetic as :func:`table`; answers are rounded
    half up by the sheet's conventions. The same seed gives the same sheet, and problem N is the same for any
    count. The sheet's ``code`` determines it completely: :func:`mark` needs nothing else (but the cards).

    Parameters
    ----------
    count : int
        Number of problems (1 to 500).
    seed : int
        Any whole number from 0.
    level : int, optional
        1: one factor; 2: two factors; 3: three or more. Default: levels in turn.
    conventions : str, path or Convention
        A built-in profile (``"standard"``, ``"pound-2.2"``, ``"whole-ml-h"``, ``"pound-2.2-whole-ml-h"``,
        ``"units-converted"``) or a school's profile file (TOML).
    pound : str, optional
        Pounds to kilograms: ``"exact"`` (0.45359237 kg) or ``"2.2"`` (2.2 lb per kg), in place of the
        profile's.
    pump_rounding : str, optional
        Pump-rate answers to ``"0.1"`` mL/h or to whole (``"1"``) mL/h, in place of the profile's.
    method : str, optional
        The worked steps' method, in place of the profile's: ``"dimensional"`` (dimensional analysis),
        ``"formula"`` (D/H x Q) or ``"ratio"`` (ratio and proportion).
    decimal : str, optional
        The decimal mark answers are written with, in place of the profile's: ``"point"`` (0.37) or
        ``"comma"`` (0,37, for a school that writes a decimal comma: stated on the sheet, held in its code,
        and read by :func:`mark`; a point before exactly three digits, ``1.234``, is then refused as
        ambiguous).
    key : bool
        The answer key (with worked steps) rather than the worksheet, in every format (``sheet.key()`` gives
        the key of a worksheet too).
    students : path or list of str, optional
        One sheet per student: a CSV file with a column of names or ids (headed ``student``, ``name`` or
        ``id``, or the first column), or the names. Each student's seed is derived from ``seed`` and the
        student, so neighbours' sheets differ; each sheet has its own code.
    variants : int, optional
        For a learning platform: N variants of the sheet (1 to 100, at most 2,000 questions in all), each with
        its own seed (derived from ``seed`` and the variant's number) and code. Exported with
        ``to_bytes("moodle" | "gift" | "canvas" | "qti21")``, problem N of every variant makes one category,
        from which a quiz draws one per student. Problem N is the same kind (the same template and level) in
        every variant, and no two variants of it ask the same question; so with ``students``.
    teacher_key : path or TeacherKey, optional
        A teacher's key file (made by :func:`new_teacher_key`, ``dosecalc key new``) or a loaded key: the
        sheets are **graded**. Their codes hold, in place of the seed, an HMAC of it under the key's secret,
        and their problems are drawn from seeds derived from the secret: without the key a code gives neither
        the seed nor the key, and :func:`mark` refuses it. Without a key the sheet is for practice: its code
        gives its key to anyone with dosecalc.
    regimens_dir, builtin
        As for :func:`cards`.

    Returns
    -------
    Sheet or Sheets
        A ``Sheet``: its ``problems`` (question, unit, answer, steps), ``code``;
        ``as_text("markdown" | "json" | "html" | "moodle" | "gift")``, ``to_bytes("canvas" | "qti21")`` (zip
        packages); ``key()``; ``to_parts("moodle" | "gift", "2MB")`` and ``save_parts(path, format, max_size)``
        (the export in whole quiz files under a size, for a site that limits uploads). With ``students``,
        ``Sheets``: one per student. With ``variants``, ``Variants`` (with ``to_parts`` and ``save_parts`` too).

    Examples
    --------
    >>> from dosecalc import exercises
    >>> sheet = exercises(count=3, seed=2024)
    >>> [problem.level for problem in sheet]
    [1, 2, 3]
    >>> len(sheet.code.replace("-", ""))
    21
    """
    from .teaching.sheets import SheetSpec, fingerprint, roster, student_seed

    refusals = Refusals()  # every argument checked, every refusal raised at once, before any problem is drawn
    read = refusals.read
    total = read(lambda: _whole(count, "count", 1, MAX_PROBLEMS), None)
    chosen_seed = read(lambda: _whole(seed, "seed", 0, 2**63 - 1), 0)
    chosen_level = read(lambda: None if level is None else _whole(level, "level", 1, 3), None)
    convention = _convention(conventions, pound, pump_rounding, method, decimal, refusals)
    names = read(lambda: None if students is None else roster(students), None)
    from .teaching.sheets import MAX_QUESTIONS, MAX_VARIANTS

    how_many = read(lambda: None if variants is None else _whole(variants, "variants", 1, MAX_VARIANTS), None)
    if how_many is not None and total is not None and how_many * total > MAX_QUESTIONS:
        refusals.add(
            DoseCalcError(
                f"{how_many} variants of {total} problems make {how_many * total:,} questions; one export holds "
                f"at most {MAX_QUESTIONS:,}: fewer variants, or fewer problems",
                field="variants",
            )
        )
    elif how_many is not None and names is not None:
        refusals.add(
            DoseCalcError(
                "cannot be given with students: a learning platform gives each student one of the variants; "
                "students make one printed sheet each",
                field="variants",
            )
        )
    teacher = read(lambda: _teacher_key(teacher_key), None)
    cards_: list[Card] = read(lambda: _sheet_cards(regimens_dir, builtin), [])
    refusals.check()
    assert total is not None  # refused otherwise
    base = SheetSpec(chosen_seed, total, chosen_level, convention, fingerprint(cards_), variants=how_many or 0)
    if names is not None:
        base = base._replace(student=0)  # a class's sheet: its kinds dealt by the class's seed
    if teacher is not None:
        base = base._replace(seed=0, ident=teacher.ident(chosen_seed, base), key_print=teacher.fingerprint)
    if how_many is not None:
        from .results import Variants

        return Variants(tuple(_made(cards_, base, teacher, key)), chosen_seed)
    if names is None:
        return _made(cards_, base, teacher, key)[0]
    from .results import Sheets

    def own(name: str) -> int:
        """The student's part of the code: the student's seed, or for a graded class an HMAC of the name."""
        if teacher is None or base.ident is None:
            return student_seed(chosen_seed, name)
        return teacher.student(base.ident, name)

    return Sheets(
        tuple(_made(cards_, base._replace(student=own(name)), teacher, key, name)[0] for name in names), chosen_seed
    )


def teacher_key(path: str | Path) -> TeacherKey:
    """The teacher's key in a key file, as :func:`new_teacher_key` writes it.

    Parameters
    ----------
    path : path
        The key file: a regular file of at most 4 KiB, strict UTF-8, holding one line
        ``dosecalc-teacher-key-1`` and 64 hex digits (comments and blank lines around it).

    Returns
    -------
    TeacherKey
        The key; its ``repr`` shows a 4-digit fingerprint, never the secret.

    Raises
    ------
    DoseCalcError
        ``teacher_key``: not a key file, unreadable, or too large.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dosecalc import exercises, new_teacher_key, teacher_key
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "teacher.key"
    >>> made = new_teacher_key(path)
    >>> teacher_key(path) == made, "secret" in repr(made)
    (True, False)
    >>> exercises(count=2, seed=7, teacher_key=path).label
    'graded'
    """
    from .teaching.keys import load_key

    if not isinstance(path, (str, Path)):
        raise DoseCalcError(f"expected a key file's name, got {type(path).__name__}", field="teacher_key")
    return load_key(path)


@flags_checked
def new_teacher_key(output: str | Path, *, force: bool = False) -> TeacherKey:
    """A new teacher's key (32 random bytes from :mod:`secrets`) written to ``output`` with mode 0600, whole
    or not at all; an existing file is kept unless ``force``.

    Keep the file on your own machine: whoever has it can make and mark every graded sheet made with it.

    Parameters
    ----------
    output : path
        The key file to write.
    force : bool
        Replace an existing file (the sheets made with the key it held can then be marked no more).

    Returns
    -------
    TeacherKey
        The new key.

    Raises
    ------
    DoseCalcError
        ``output``: the file exists (without ``force``), or cannot be written.

    Examples
    --------
    >>> import os, stat, tempfile, pathlib
    >>> from dosecalc import new_teacher_key
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "teacher.key"
    >>> made = new_teacher_key(path)
    >>> oct(stat.S_IMODE(os.stat(path).st_mode))
    '0o600'
    """
    from .files import write_atomic
    from .teaching.keys import new_key

    made, text = new_key()
    write_atomic(Path(output), text, field="output", mode=0o600, replace=force)
    return made


def _teacher_key(value: str | Path | TeacherKey | None) -> TeacherKey | None:
    from .teaching.keys import TeacherKey

    if value is None or isinstance(value, TeacherKey):
        return value
    return teacher_key(value)


def _made(
    cards_: Sequence[Card], spec: SheetSpec, teacher: TeacherKey | None, key: bool = False, student: str | None = None
) -> list[Sheet]:
    """The sheets ``spec`` stands for: every variant of its set for a variant (so that none repeats another's
    question), else the one sheet."""
    from functools import partial

    from .results import Sheet
    from .teaching.exercises import draw_set, word
    from .teaching.keys import seeds

    deal, own = seeds(spec, teacher)
    drawn = draw_set(cards_, spec.size, deal, own, spec.level, spec.convention)  # refuses what cannot be made
    # Each sheet's problems are written out (steps in words, errors) when first read: the same problems whenever
    # that is, and never for a sheet of which only the code is shown (the teacher's page of a class).
    if spec.variants:
        return [
            Sheet(partial(word, one, spec.convention), spec._replace(variant=n), key) for n, one in enumerate(drawn, 1)
        ]
    return [Sheet(partial(word, drawn[0], spec.convention), spec, key, student)]


@flags_checked
def mark(
    answers: str | Path | Mapping[int, str] | pandas.DataFrame,
    seed: int | None = None,
    *,
    sheet: str | None = None,
    count: int | None = None,
    level: int | None = None,
    conventions: str | Path | Convention | None = None,
    pound: str | None = None,
    pump_rounding: str | None = None,
    decimal: str | None = None,
    partial: bool = False,
    teacher_key: str | Path | TeacherKey | None = None,
    regimens_dir: Folder = None,
    builtin: bool = True,
) -> Marks | ClassMarks:
    """Answers marked against the key of their sheet: one student's, or a whole class's.

    The sheet is named by its code (``sheet``, or a ``sheet`` column giving each student's own), or by the
    seed and options it was made with. An answer is marked by the rule every sheet states
    (:data:`dosecalc.teaching.marking.RULE`): it is right when it equals the key, or when, given more
    precisely than asked, it rounds half up at one place beyond the asked one to the exact answer rounded
    there. Any spelling of the asked unit is that unit, and a bare number is taken in it. A blank is no
    answer; text that cannot be read is marked unreadable, with its reason, and marking goes on. The score is
    out of the problems on the sheet. Wrong answers come with the common error they match and the worked
    steps.
    Parameters
    ----------
    answers : path, DataFrame or mapping
        A CSV file (``-`` reads standard input) in one of three layouts: ``problem,answer`` (one student);
        ``student,problem,answer`` (a class, a row per answer); ``student,1,2,3...`` (a class, a column per
        problem). A ``sheet`` column may give each student's sheet code. Or a pandas DataFrame in one of those
        layouts (read as the CSV file it would save as; an empty cell is no answer). Or a mapping (or a
        Series) of problem number to answer text (``{1: "88", 2: "10.9 mL/h"}``).
    seed : int, optional
        The seed the sheet was made with, when no code is given.
    sheet : str, optional
        The sheet code printed on the sheet (for every student without a code of their own).
    count, level, conventions, pound, pump_rounding, decimal
        With ``seed``: as for :func:`exercises` (count defaults to 10, as there). Not with a code, which
        holds them.
    partial : bool
        Give the partial credit the sheet's conventions name (a right value in another unit, a right value
        rounded to the wrong place). Default: strict, right or wrong.
    teacher_key : path or TeacherKey, optional
        The key a graded sheet was made with (see :func:`exercises`); a graded code is refused without it, and
        with another key. With ``seed``, the graded sheet made from that seed with this key.
    regimens_dir, builtin
        The cards the sheet was made from, as for :func:`cards`.

    Returns
    -------
    Marks or ClassMarks
        ``Marks`` for one student's answers (``score``, ``right``, ``out_of``, one mark per problem with its
        ``status``: right, wrong, unreadable or no answer); ``ClassMarks`` when the answers name students
        (the gradebook, and ``items()`` for the item analysis).

    Examples
    --------
    >>> from dosecalc import exercises, mark
    >>> sheet = exercises(count=2, seed=7)
    >>> marks = mark({1: str(sheet[0].answer), 2: "1"}, sheet=sheet.code)
    >>> marks.score, marks.out_of, [m.status for m in marks]
    (1, 2, ['right', 'wrong'])
    """
    from .results import ClassMarks, Marks
    from .teaching.marking import Answers, NotMarked, read_answer_rows
    from .teaching.marking import mark as mark_answers
    from .teaching.sheets import SheetSpec, decode, fingerprint

    options = {
        "count": count,
        "level": level,
        "conventions": conventions,
        "pound": pound,
        "pump_rounding": pump_rounding,
        "decimal": decimal,
    }
    if sheet is not None and (seed is not None or any(value is not None for value in options.values())):
        given = "seed" if seed is not None else next(name for name, value in options.items() if value is not None)
        raise DoseCalcError(f"a sheet code holds the {given} already; give the code alone", field=given)
    from .frames import cell_text, frame_rows, is_frame, is_missing, is_series

    ignored: list[str] = []
    is_class = False
    if is_series(answers):  # problem number -> answer, as a mapping
        series: Any = answers
        answers = {number: None if is_missing(text) else cell_text(text) for number, text in series.items()}
    if isinstance(answers, Mapping):
        texts: dict[int, str | None] = {}
        for written, text in answers.items():
            number = _problem_number(written)
            if number in texts:  # "1" beside "01": one answer a problem, never the last of two
                raise DoseCalcError(f"problem {number} is answered more than once", field="answers")
            texts[number] = None if text is None else str(text)
        readings = [Answers(None, None, texts, (), {})]
    elif isinstance(answers, (str, Path)) or is_frame(answers):
        from .files import read_csv_rows

        if is_frame(answers):  # read as the CSV file it could be saved as: the same layouts, the same checks
            rows, source = frame_rows(answers, "answers"), "the DataFrame"
        else:
            rows = read_csv_rows(answers, "answers")
            source = "the answers file" if str(answers) == "-" else str(answers)
        readings, ignored = read_answer_rows(rows, source)
        is_class = any(reading.student is not None for reading in readings)
        if not readings:
            raise DoseCalcError("holds no answers; expected rows under the header", field="answers")
    else:
        raise DoseCalcError(
            f"expected a CSV file, a DataFrame or a mapping of problem number to answer, got {type(answers).__name__}",
            field="answers",
        )
    teacher = _teacher_key(teacher_key)
    key_print = None if teacher is None else teacher.fingerprint
    cards_ = _sheet_cards(regimens_dir, builtin)
    prints = fingerprint(cards_)
    fallback: SheetSpec | None = None
    if sheet is not None:
        fallback = decode(sheet, prints, field="sheet", key_print=key_print)
    elif seed is not None:
        chosen_seed = _whole(seed, "seed", 0, 2**63 - 1)
        fallback = SheetSpec(
            chosen_seed,
            10 if count is None else _whole(count, "count", 1, MAX_PROBLEMS),
            None if level is None else _whole(level, "level", 1, 3),
            _convention("standard" if conventions is None else conventions, pound, pump_rounding, None, decimal),
            prints,
        )
        if teacher is not None:
            ident = teacher.ident(chosen_seed, fallback)
            fallback = fallback._replace(seed=0, ident=ident, key_print=teacher.fingerprint)
    sets: dict[SheetSpec, list[Sheet]] = {}
    marked: list[Marks] = []
    refused: list[NotMarked] = []
    for reading in readings:
        try:
            spec = decode(reading.sheet, prints, field="sheet", key_print=key_print) if reading.sheet else fallback
        except DoseCalcError as error:
            if not is_class:
                raise
            refused.append(NotMarked(str(reading.student), reading.sheet, error.problem))
            continue
        if spec is None:
            which = "which sheet? give the code printed on the sheet, or the seed and options it was made with"
            if is_class and any(other.sheet for other in readings):
                reason = "no sheet code in the sheet column, and no --sheet"
                refused.append(NotMarked(str(reading.student), None, reason))
                continue
            raise DoseCalcError(which, field="sheet")
        whole = spec.whole_set
        if whole not in sets:
            sets[whole] = _made(cards_, whole, teacher, key=True)
        this = sets[whole][spec.variant - 1 if spec.variants else 0]
        notes = list(reading.problems)
        beyond = sorted(number for number in reading.answers if number > spec.size)
        notes += [f"problem {number} is not on this {spec.size}-problem sheet" for number in beyond]
        result = mark_answers(this.problems, reading.answers, spec.convention, partial, reading.unreadable)
        marked.append(Marks(tuple(result), this, student=reading.student, partial=partial, notes=tuple(notes)))
    if not is_class:
        return marked[0]
    return ClassMarks(tuple(marked), tuple(ignored), tuple(refused))


# --------------------------------------------------------------------------------------- handout and charts


@flags_checked
def report(
    weight: QuantityLike | None = None,
    regimen: Regimens = None,
    *,
    duration: QuantityLike | None = None,
    concentration: QuantityLike | None = None,
    drop_factor: QuantityLike | None = None,
    step: QuantityLike | None = None,
    model: str | None = None,
    explain: bool = False,
    regimens_dir: Folder = None,
    builtin: bool = True,
) -> Handout:
    """A printable, self-contained HTML handout: the disclaimer, the patient, the dose table, each regimen's
    schedule, charts, the cards with their sources, and (with ``explain``) the worked steps. Needs the
    ``report`` extra (jinja2; the charts are SVG that dosecalc draws itself).

    Parameters
    ----------
    weight, regimen, duration, concentration, drop_factor, explain, regimens_dir, builtin
        As for :func:`table` (one weight).
    step : str or Quantity
        Time between schedule rows.
    model : str, optional
        Add the predicted plasma-concentration chart under this model (``domino``), as :func:`simulate`
        with one session of each regimen.

    Returns
    -------
    Handout
        ``html`` (the page), ``save(path)``.

    Examples
    --------
    >>> from dosecalc import report
    >>> handout = report("70 kg", "rate-22-mg-h")  # doctest: +SKIP
    >>> "not a prescribing tool" in handout.html  # doctest: +SKIP
    True
    """
    from .extras import require
    from .render.html import handout_html
    from .results import Handout, ScheduleTable
    from .schedules import build_schedule

    require("report")  # before any work, naming every missing package at once
    dose_table = table(
        weight,
        regimen,
        duration=duration,
        concentration=concentration,
        drop_factor=drop_factor,
        explain=explain,
        regimens_dir=regimens_dir,
        builtin=builtin,
    )
    if len(dose_table.patients) != 1:
        raise DoseCalcError("a handout is for one patient; give one weight", field="weight")
    from .schedules import default_step
    from .units import Q_

    step_q = None if step is None else _quantity(step, _spec("TIME_STEP"), "step")
    schedules = [
        ScheduleTable(
            build_schedule(row, step_q or default_step(row.duration, Q_(30.0, "min"), SCHEDULE_ROWS)),
            dose_table.patient,
        )
        for row in dose_table.rows
    ]
    simulation, left_out = None, []
    if model is not None:
        from . import pk

        if not isinstance(model, str):
            raise DoseCalcError(f"expected a model name, got {model!r:.40}", field="model")
        chosen = pk.get_model(model)
        # the chart holds the regimens the model applies to; the others are named with the reason, as the
        # simulate command would refuse them (a handout of several drugs still gets its other charts)
        reasons = [pk.not_applicable(chosen, row) for row in dose_table.rows]
        left_out = [reason for reason in reasons if reason is not None]
        kept = [row for row, reason in zip(dose_table.rows, reasons, strict=True) if reason is None]
        if not kept:
            raise DoseCalcError(left_out[0], field="model")
        simulation = _simulation(chosen, dose_table.patient, kept)
    return Handout(handout_html(dose_table, schedules, simulation, left_out))


@flags_checked
def plot(
    kind: str,
    weight: QuantityLike | None = None,
    regimen: Regimens = None,
    *,
    lightest: QuantityLike | None = None,
    heaviest: QuantityLike | None = None,
    duration: QuantityLike | None = None,
    max_rate: QuantityLike | None = None,
    no_cap: bool = False,
    regimens_dir: Folder = None,
    builtin: bool = True,
) -> Chart:
    """A chart for teaching. Needs the ``plot`` extra (matplotlib).

    * ``rate-vs-weight``: each regimen's rate (mg/h) from ``lightest`` to ``heaviest``, caps and crossings marked;
    * ``cumulative``: cumulative dose (mg) over one session of each regimen, for one patient;
    * ``schedule``: the first regimen's rate and cumulative dose over the infusion.

    Parameters
    ----------
    kind : str
        ``rate-vs-weight``, ``cumulative`` or ``schedule``.
    weight, regimen, duration, max_rate, no_cap, regimens_dir, builtin
        As for :func:`table` (one weight).
    lightest, heaviest : str or Quantity, optional
        The weight range of ``rate-vs-weight`` (default 40 kg to 150 kg); refused for the other charts, which
        they would not change.
    weight
        For ``rate-vs-weight``, the patient is marked on the chart (inside the range); the other charts are
        drawn for this patient (default: the 70 kg reference adult).

    Returns
    -------
    Chart
        ``to_bytes("png" | "svg")``, ``save(path)``; Jupyter shows it.

    Examples
    --------
    >>> from dosecalc import plot
    >>> plot("rate-vs-weight").to_bytes("svg")[:5]  # doctest: +SKIP
    b'<?xml'
    """
    from .extras import require
    from .render import charts
    from .results import Chart
    from .units import WEIGHT

    require("plot")
    if kind not in charts.CHART_KINDS:
        raise DoseCalcError(
            f"unknown chart {kind!r:.40}; expected one of {', '.join(charts.CHART_KINDS)}", field="kind"
        )
    patient = _patient(weight)
    what_if = _what_if(duration, None, None, None, max_rate, no_cap)
    chosen, drugs = _chosen(regimen, regimens_dir, builtin)
    plans = _plans(chosen, what_if, drugs)
    if kind != "rate-vs-weight":
        for name, given in (("lightest", lightest), ("heaviest", heaviest)):
            if given is not None:  # refused rather than ignored: it would not change the chart
                raise DoseCalcError(f"applies to the rate-vs-weight chart only, not to {kind}", field=name)
    if kind == "schedule" and len(_ids(regimen) or []) > 1:  # without a regimen it is the first card
        raise DoseCalcError("the schedule chart draws one regimen; give one", field="regimen")
    if kind == "rate-vs-weight":
        low = _quantity("40 kg" if lightest is None else lightest, WEIGHT, "lightest")
        high = _quantity("150 kg" if heaviest is None else heaviest, WEIGHT, "heaviest")
        if not low < high:
            raise DoseCalcError("must be lighter than the heaviest weight", field="lightest")
        marked = None if weight is None else patient.weight
        if marked is not None and not low <= marked <= high:
            raise DoseCalcError(
                f"{float(marked.magnitude):g} kg is outside the chart's {float(low.magnitude):g} to "
                f"{float(high.magnitude):g} kg; widen the range to mark the patient",
                field="weight",
            )
        return Chart(charts.rate_vs_weight(plans, float(low.magnitude), float(high.magnitude), marked))
    if kind == "cumulative":
        return Chart(charts.cumulative(plans, patient.weight))
    return Chart(charts.schedule_chart(plans[0], patient.weight))
