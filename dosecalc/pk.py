"""Educational plasma-concentration simulation: a linear three-compartment model, solved exactly.

A population-model estimate for teaching; it predicts nothing about a real patient.

Model (amounts in mg, time in minutes, infusion R(t) in mg/min into the central compartment 1)::

    dA1/dt = R(t) - (k10 + k12 + k13) A1 + k21 A2 + k31 A3
    dA2/dt = k12 A1 - k21 A2
    dA3/dt = k13 A1 - k31 A3
    dE/dt  = k10 A1                  (amount eliminated)
    C(t)   = A1 / V1                 (V1 = v1 [L/kg] x weight [kg]; reported in ng/mL)

R(t) is constant between breakpoints (the starts and ends of sessions and phases). A bolus its card gives
"at once" is given at a constant rate over ``BOLUS_OVER`` (1 min): put whole into V1 at one instant, it
would show a peak of amount / V1 that no blood sample could measure. With the state
y = (A1, A2, A3, E, R) and dR/dt = 0 the system is y' = M y, so on each constant piece
y(t0 + s) = expm(M s) y(t0) exactly (scipy's Pade scaling-and-squaring matrix exponential): no
time stepping, at any time resolution, for any course of sessions. The eliminated amount E comes from
the same dynamics, so "infused = A1 + A2 + A3 + E" is a real check, not an identity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PlainValidator

from .errors import DoseCalcError
from .regimens import MODEL_ID_PATTERN, Source, read_card
from .units import Q_, Quantity, QuantitySpec, parse_quantity

VOLUME_PER_KG = QuantitySpec("a volume per kg", "volume", ("mass",), "L/kg", 0.001, 100.0, "0.063 L/kg")
RateConstant = Annotated[float, Field(gt=0, lt=100, allow_inf_nan=False, strict=True)]


class PKModel(BaseModel):
    """A population pharmacokinetic model, read from a model card (TOML) and validated."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: Annotated[str, Field(pattern=MODEL_ID_PATTERN)]
    title: Annotated[str, Field(min_length=1)]
    drug: Annotated[str, Field(min_length=1)]
    population: Annotated[str, Field(min_length=1)]
    v1: Annotated[Quantity, PlainValidator(lambda value: parse_quantity(value, VOLUME_PER_KG))]
    k10_per_min: RateConstant
    k12_per_min: Annotated[float, Field(ge=0, lt=100, allow_inf_nan=False, strict=True)]
    k13_per_min: Annotated[float, Field(ge=0, lt=100, allow_inf_nan=False, strict=True)]
    k21_per_min: RateConstant
    k31_per_min: RateConstant
    checked: Annotated[str, Field(min_length=1)]
    sources: Annotated[list[Source], Field(min_length=1)]
    notes: list[str] = []
    #: What a reader must know when the simulation has a bolus or a short infusion (see
    #: :func:`fast_input`): shown beside such a simulation, not with every one.
    fast_input_note: Annotated[str, Field(min_length=1)] | None = None

    def matrix(self) -> np.ndarray:
        """The 5x5 system matrix M (per minute) for the state (A1, A2, A3, E, R)."""
        k10, k12, k13 = self.k10_per_min, self.k12_per_min, self.k13_per_min
        k21, k31 = self.k21_per_min, self.k31_per_min
        return np.array(
            [
                [-(k10 + k12 + k13), k21, k31, 0.0, 1.0],
                [k12, -k21, 0.0, 0.0, 0.0],
                [k13, 0.0, -k31, 0.0, 0.0],
                [k10, 0.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, 0.0, 0.0],
            ]
        )

    def central_volume(self, weight: Quantity) -> Quantity:
        """V1 [L] = v1 [L/kg] x weight [kg]."""
        volume: Quantity = (self.v1 * weight).to("L")
        return volume


def models_dir() -> Path:
    return Path(__file__).resolve().parent / "models"


def load_models() -> dict[str, PKModel]:
    """The model cards shipped with dosecalc, by id."""
    models: dict[str, PKModel] = {}
    for path in sorted(models_dir().glob("*.toml")):
        model = load_model(path)
        models[model.id] = model
    return models


def get_model(name: str) -> PKModel:
    """The shipped model called ``name``, or a refusal that lists the known ones."""
    models = load_models()
    if name not in models:
        raise DoseCalcError(f"unknown model {name!r}; known models: {', '.join(models)}", field="model")
    return models[name]


def load_model(path: Path) -> PKModel:
    """Read and validate one model card, like a regimen card."""
    return read_card(path, PKModel.model_validate)


#: The time over which the simulation gives a bolus that its card gives "at once" (no ``over`` stated): a
#: bolus put whole into the central compartment at one instant would show a peak of amount / V1 that no
#: blood sample could measure, so it is given at a constant rate over this time, and the output says so.
BOLUS_OVER = Q_(1.0, "min")


class Course(NamedTuple):
    """Sessions of an infusion: ``sessions`` sessions of ``duration``, one every ``interval``.

    A session is one constant ``rate``, or, for a phased regimen, a ``profile`` of constant-rate stretches
    ``(start min, end min, rate mg/min)`` from the start of the session and ``boluses`` ``(time min, amount mg)``
    that the card gives at once: each is simulated at a constant rate, amount / ``bolus_over``, from its time
    for ``bolus_over`` (1 min unless told), beside any infusion running then."""

    rate: Quantity  # mg/h
    duration: Quantity  # h
    sessions: int = 1
    interval: Quantity = Q_(24.0, "h")
    profile: tuple[tuple[float, float, float], ...] | None = None
    boluses: tuple[tuple[float, float], ...] = ()
    bolus_over: Quantity = BOLUS_OVER

    def session_starts(self) -> np.ndarray:
        """The start of each session (min)."""
        return np.arange(self.sessions) * float(self.interval.to("min").magnitude)

    def stretches(self) -> tuple[tuple[float, float, float], ...]:
        """The constant-rate stretches of one session, ``(start min, end min, rate mg/min)``: the profile's, and
        each bolus given at once as ``amount / bolus_over`` from its time for ``bolus_over``."""
        over = float(self.bolus_over.to("min").magnitude)
        return (*(self.profile or ()), *((t, t + over, amount / over) for t, amount in self.boluses))

    def span(self) -> Quantity:
        """How long one session gives drug (h): its duration, or longer when a bolus given over
        ``bolus_over`` runs on past the end."""
        ends = [t1 for _, t1, _ in self.stretches()]
        minutes = max([float(self.duration.to("min").magnitude), *ends])
        return Q_(minutes / 60.0, "h")

    def pieces(self) -> tuple[np.ndarray, np.ndarray]:
        """Breakpoints (min) and the infusion rate (mg/min) from each breakpoint to the next."""
        length = float(self.duration.to("min").magnitude)
        starts = self.session_starts()
        if self.profile is None and not self.boluses:
            rate = float(self.rate.to("mg/min").magnitude)
            breaks = np.ravel(np.column_stack([starts, starts + length]))
            rates = np.tile([rate, 0.0], self.sessions)
            return breaks, rates
        stretches = self.stretches()
        times = {0.0, length} | {t for piece in stretches for t in piece[:2]}
        local = np.array(sorted(times))
        rate_at = np.zeros_like(local)
        for t0, t1, r in stretches:
            rate_at[(local >= t0 - 1e-9) & (local < t1 - 1e-9)] += r
        breaks = np.ravel(starts[:, None] + local[None, :])
        return breaks, np.tile(rate_at, self.sessions)

    def infused(self, minutes: np.ndarray) -> np.ndarray:
        """Amount given by each time (mg): the integral of the infusion rate up to then."""
        if self.profile is None and not self.boluses:
            rate = float(self.rate.to("mg/min").magnitude)
            length = float(self.duration.to("min").magnitude)
            starts = self.session_starts()
            spent = np.clip(np.asarray(minutes)[..., None] - starts, 0.0, length).sum(axis=-1)
            return np.asarray(rate * spent)
        breaks, rates = self.pieces()
        widths = np.diff(np.append(breaks, np.inf))
        t = np.asarray(minutes, dtype=float)[..., None]
        return np.asarray((rates * np.clip(t - breaks, 0.0, widths)).sum(axis=-1))


def course_of(figures: Any, sessions: int = 1, interval: Quantity | None = None) -> Course:
    """The course of a regimen's figures (:class:`dosecalc.dosing.DoseFigures`): its constant rate, or, for a
    phased regimen, each phase's stretches as the phases give them (a bolus with ``over`` among them) and the
    boluses its card gives at once, which the simulation gives over :data:`BOLUS_OVER`."""
    every = () if interval is None else (interval,)
    if not figures.phases:
        return Course(figures.rate, figures.duration, sessions, *every)
    profile = tuple(
        (t0 * 60.0, t1 * 60.0, float(rate.to("mg/min").magnitude))
        for phase in figures.phases
        for t0, t1, rate in phase.pieces
    )
    boluses = tuple(
        (float(phase.start.to("min").magnitude), float(phase.amount.to("mg").magnitude))
        for phase in figures.phases
        if phase.at_once
    )
    return Course(figures.rate, figures.duration, sessions, *every, profile=profile, boluses=boluses)  # type: ignore[misc]


#: A session this short or shorter puts its dose into V1 fast enough for the model's peak to be its weak point.
SHORT_INFUSION = Q_(1.0, "h")


def fast_input(figures: Any, course: Course) -> bool:
    """Whether a simulation gives drug fast: a bolus phase (at once or over a time), or a session of at most
    :data:`SHORT_INFUSION`. Its peak then depends most on the model's central volume V1."""
    return any(phase.kind == "bolus" for phase in figures.phases) or course.duration <= SHORT_INFUSION


def not_applicable(model: PKModel, figures: Any) -> str | None:
    """Why ``model`` does not apply to a card's figures (a card naming no drug, a drug with no model,
    S(+)-ketamine and the racemic model), or None when it does."""
    card, drug = figures.plan.card, figures.plan.drug
    if card.drug is None:
        return f"{card.id} names no drug, so no model applies; a card gives its drug in a 'drug' field"
    if drug is None or model.id not in drug.models:
        reason = drug.not_simulated if drug is not None and drug.not_simulated else None
        if reason is None:
            reason = f"the {model.id} model was built for {model.drug}, not for {card.drug}"
        return f"{card.id} doses {card.drug}: {reason}"
    return None


def check_drug(model: PKModel, figures: Any, field: str = "regimen") -> None:
    """A model runs only for a card of the drug it was built for; otherwise the refusal says why."""
    reason = not_applicable(model, figures)
    if reason is not None:
        raise DoseCalcError(reason, field=field)


class Simulation(NamedTuple):
    """Compartment amounts and plasma concentration at each output time."""

    time: Quantity  # h
    central: Quantity  # mg
    peripheral_fast: Quantity  # mg
    peripheral_slow: Quantity  # mg
    eliminated: Quantity  # mg
    infused: Quantity  # mg
    concentration: Quantity  # ng/mL


def _states(model: PKModel, course: Course, minutes: np.ndarray) -> np.ndarray:
    """The exact state (A1, A2, A3, E) at each time in ``minutes`` (shape n x 4)."""
    from scipy.linalg import expm  # imported only when a simulation runs

    matrix, breaks, starts = _breakpoint_states(model, course)
    minutes = np.asarray(minutes, dtype=float)
    piece = np.searchsorted(breaks, minutes, side="right") - 1
    before = piece < 0  # before the first session: nothing given yet
    piece = np.maximum(piece, 0)
    elapsed = np.where(before, 0.0, minutes - breaks[piece])
    propagators = expm(matrix[None, :, :] * elapsed[:, None, None])
    out = np.einsum("nij,nj->ni", propagators, starts[piece])[:, :4]
    out[before] = 0.0
    return np.asarray(out)


#: The last model and course :func:`_breakpoint_states` worked out, with its result: the searches for a peak and
#: a half-time simulate one time after another under the same course, hundreds of times.
_LAST_STATES: list[tuple[PKModel, Course, tuple[np.ndarray, np.ndarray, np.ndarray]]] = []


def _breakpoint_states(model: PKModel, course: Course) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The system matrix, the course's breakpoints (min) and the exact state (A1, A2, A3, E, R) at each, worked
    out once for a model and course in a row (the same arrays, read only, for every call until another)."""
    from scipy.linalg import expm

    last = _LAST_STATES[-1] if _LAST_STATES else None
    if last is not None and last[0] is model and last[1] is course:
        return last[2]
    matrix = model.matrix()
    breaks, rates = course.pieces()
    starts = np.empty((len(breaks), 5))
    state = np.zeros(5)
    for b, begin in enumerate(breaks):
        state[4] = rates[b]  # the infusion rate from this breakpoint on
        starts[b] = state
        if b + 1 < len(breaks):
            state = expm(matrix * (breaks[b + 1] - begin)) @ state
    for array in (matrix, breaks, starts):
        array.flags.writeable = False
    _LAST_STATES[:] = [(model, course, (matrix, breaks, starts))]
    return matrix, breaks, starts


class _Scale(NamedTuple):
    """The factors :func:`simulate` converts by, taken from pint once: hours to minutes, and the amount in V1
    (mg, divided by V1's litres) to ng/mL; applied to floats in the same order, they give its figures to the bit
    (a test compares them), for the searches that ask for one time after another, hundreds of times."""

    minutes_per_hour: float
    litres: float
    ng_ml: float


def _scale(model: PKModel, weight: Quantity) -> _Scale:
    volume = model.central_volume(weight)
    per_litre = (Q_(1.0, "mg") / volume).units
    return _Scale(
        float(Q_(1.0, "h").to("min").magnitude),
        float(volume.magnitude),
        float(Q_(1.0, per_litre).to("ng/mL").magnitude),
    )


def _probe(model: PKModel, weight: Quantity, course: Course) -> Callable[[float], float]:
    """The concentration (ng/mL) at one time (h), exactly as :func:`simulate` gives it, without its quantities."""
    scale = _scale(model, weight)

    def at(hours: float) -> float:
        amount = _states(model, course, np.array([hours]) * scale.minutes_per_hour)[0, 0]
        return float(amount / scale.litres * scale.ng_ml)

    return at


def chart_concentration(model: PKModel, weight: Quantity, course: Course, hours: np.ndarray) -> np.ndarray:
    """The concentration (ng/mL) at each of ``hours`` (ascending), for a chart: from the exact state at each
    breakpoint of the course, each time is stepped to from the one before by the propagator over the gap
    between them: one matrix exponential for each different gap (an even grid has a dozen or so, its floats
    differing in the last bits) rather than one for each point, as :func:`simulate` takes. The figures agree
    with :func:`simulate`'s to 1e-11 of the peak (a test checks it; the products of propagators round a little
    differently); tables and summaries keep :func:`simulate`'s."""
    from scipy.linalg import expm

    matrix, breaks, starts = _breakpoint_states(model, course)
    scale = _scale(model, weight)
    minutes = np.asarray(hours, dtype=float) * scale.minutes_per_hour
    pieces = np.searchsorted(breaks, minutes, side="right") - 1
    amounts = np.zeros(len(minutes))
    propagators: dict[float, np.ndarray] = {}
    piece, state, then = -1, np.zeros(5), 0.0
    for index, (time, now) in enumerate(zip(minutes.tolist(), pieces.tolist(), strict=True)):
        if now < 0:  # before the first session
            continue
        if now != piece:
            piece, state, then = now, starts[now], float(breaks[now])
        gap = time - then
        if gap > 0:
            step = propagators.get(gap)
            if step is None:
                step = propagators[gap] = expm(matrix * gap)
            state, then = step @ state, time
        amounts[index] = state[0]
    return np.asarray(amounts / scale.litres * scale.ng_ml)


def simulate(model: PKModel, weight: Quantity, course: Course, times: Quantity) -> Simulation:
    """Amounts and concentration at ``times`` (h from the start of the first session)."""
    minutes = np.atleast_1d(np.asarray(times.to("min").magnitude, dtype=float))
    states = _states(model, course, minutes)
    volume = model.central_volume(weight)
    central = Q_(states[:, 0], "mg")
    return Simulation(
        time=Q_(minutes / 60.0, "h"),
        central=central,
        peripheral_fast=Q_(states[:, 1], "mg"),
        peripheral_slow=Q_(states[:, 2], "mg"),
        eliminated=Q_(states[:, 3], "mg"),
        infused=Q_(course.infused(minutes), "mg"),
        concentration=(central / volume).to("ng/mL"),
    )


class ConcentrationSummary(NamedTuple):
    """Peak, end-of-session and trough concentrations of a course, and its half-time after the last session."""

    peak_concentration: Quantity
    time_of_peak: Quantity
    end_of_session: list[Quantity]
    trough_before_next: list[Quantity]
    half_time_after_end: Quantity | None


def summarise(model: PKModel, weight: Quantity, course: Course, times: Quantity) -> ConcentrationSummary:
    """Peak (over the output times and every session start and end), concentration at the end of each
    session, trough before each next session, and the context-sensitive half-time after the last one."""
    breaks, _ = course.pieces()
    grid = np.union1d(np.asarray(times.to("h").magnitude, dtype=float), breaks / 60.0)
    sim = simulate(model, weight, course, Q_(grid, "h"))
    conc = sim.concentration.to("ng/mL").magnitude
    top = int(np.argmax(conc))
    peak, when = _refined_peak(model, weight, course, grid, top, float(conc[top]))
    starts = course.session_starts() / 60.0
    ends = starts + float(course.duration.to("h").magnitude)
    at_end = simulate(model, weight, course, Q_(ends, "h")).concentration.to("ng/mL").magnitude
    at_next = simulate(model, weight, course, Q_(starts[1:], "h")).concentration.to("ng/mL").magnitude
    return ConcentrationSummary(
        peak_concentration=Q_(peak, "ng/mL"),
        time_of_peak=Q_(when, "h"),
        end_of_session=[Q_(float(c), "ng/mL") for c in at_end],
        trough_before_next=[Q_(float(c), "ng/mL") for c in at_next],
        half_time_after_end=_half_time(model, weight, course, float(ends[-1])),
    )


def _refined_peak(
    model: PKModel, weight: Quantity, course: Course, grid: np.ndarray, top: int, best: float
) -> tuple[float, float]:
    """The peak (ng/mL) and its time (h) near the grid's highest point ``top``: the highest point is kept unless
    a bounded search (:func:`_bounded_minimum`, to 1e-9 h) between its neighbours finds a higher one, as when
    the concentration turns over inside a stretch of constant input rather than at one of its ends."""
    low, high = float(grid[max(top - 1, 0)]), float(grid[min(top + 1, len(grid) - 1)])
    if high <= low:
        return best, float(grid[top])

    at = _probe(model, weight, course)

    def minus(hours: float) -> float:
        return -at(hours)

    x, fun = _bounded_minimum(minus, low, high, 1e-9)
    if -float(fun) > best:
        return -float(fun), float(x)
    return best, float(grid[top])


def _bounded_minimum(func: Callable[[float], float], low: float, high: float, xatol: float) -> tuple[Any, Any]:
    """The minimum of ``func`` on [low, high] and where it is: Brent's bounded method (golden-section steps and
    parabolic interpolation, to ``xatol``; at most 500 evaluations), step for step as scipy's
    ``minimize_scalar(method="bounded")`` does it (scipy 1.17, ``_minimize_scalar_bounded``), so the same
    points are evaluated and the same floats found, without importing scipy.optimize (a third of a second,
    more than the search itself)."""
    sqrt_eps = math.sqrt(2.2e-16)
    golden_mean = 0.5 * (3.0 - math.sqrt(5.0))
    a, b = low, high
    fulc = a + golden_mean * (b - a)
    nfc, xf = fulc, fulc
    rat: Any = 0.0
    e: Any = 0.0
    x: Any = xf
    fx = func(x)
    num = 1
    ffulc = fnfc = fx
    xm = 0.5 * (a + b)
    tol1 = sqrt_eps * np.abs(xf) + xatol / 3.0
    tol2 = 2.0 * tol1
    while np.abs(xf - xm) > (tol2 - 0.5 * (b - a)):
        golden = True
        if np.abs(e) > tol1:
            golden = False
            r = (xf - nfc) * (fx - ffulc)
            q = (xf - fulc) * (fx - fnfc)
            p = (xf - fulc) * q - (xf - nfc) * r
            q = 2.0 * (q - r)
            if q > 0.0:
                p = -p
            q = np.abs(q)
            r = e
            e = rat
            if (np.abs(p) < np.abs(0.5 * q * r)) and (p > q * (a - xf)) and (p < q * (b - xf)):
                rat = (p + 0.0) / q
                x = xf + rat
                if ((x - a) < tol2) or ((b - x) < tol2):
                    rat = tol1 * (np.sign(xm - xf) + ((xm - xf) == 0))
            else:
                golden = True
        if golden:
            e = a - xf if xf >= xm else b - xf
            rat = golden_mean * e
        x = xf + (np.sign(rat) + (rat == 0)) * np.maximum(np.abs(rat), tol1)
        fu = func(x)
        num += 1
        if fu <= fx:
            if x >= xf:
                a = xf
            else:
                b = xf
            fulc, ffulc = nfc, fnfc
            nfc, fnfc = xf, fx
            xf, fx = x, fu
        else:
            if x < xf:
                a = x
            else:
                b = x
            if (fu <= fnfc) or (nfc == xf):
                fulc, ffulc = nfc, fnfc
                nfc, fnfc = x, fu
            elif (fu <= ffulc) or (fulc == xf) or (fulc == nfc):  # noqa: SIM109  (== as scipy: NaN never equal)
                fulc, ffulc = x, fu
        xm = 0.5 * (a + b)
        tol1 = sqrt_eps * np.abs(xf) + xatol / 3.0
        tol2 = 2.0 * tol1
        if num >= 500:
            break
    return xf, fx


def _half_time(model: PKModel, weight: Quantity, course: Course, end_h: float) -> Quantity | None:
    """Time after ``end_h`` for the concentration to fall to half its value then (bisection on the exact
    solution, to 1e-9 h); None when it does not halve within 30 days."""

    conc = _probe(model, weight, course)
    target = conc(end_h) / 2
    if target <= 0:
        return None
    low, high = 0.0, 1.0 / 60
    while conc(end_h + high) > target:
        low, high = high, high * 2
        if high > 30 * 24:
            return None
    while high - low > 1e-9:
        middle = (low + high) / 2
        low, high = (middle, high) if conc(end_h + middle) > target else (low, middle)
    return Q_((low + high) / 2, "h")


def output_times(until: Quantity, step: Quantity, max_rows: int) -> Quantity:
    """0, step, 2 x step, ... up to and including ``until`` (h)."""
    end = float(until.to("h").magnitude)
    width = float(step.to("h").magnitude)
    count = math.floor(end / width + 1e-9)
    on_grid = abs(count * width - end) <= 1e-9 * max(end, 1)
    rows = count + 1 + (0 if on_grid else 1)
    if rows > max_rows:
        raise DoseCalcError(
            f"gives {rows:,} rows up to {end:g} h; the most is {max_rows:,}, so choose a larger step",
            field="step",
        )
    hours = np.arange(count + 1) * width
    if not on_grid:
        hours = np.append(hours, end)
    return Q_(hours, "h")


#: Time between the rows of a simulation, unless told.
SIMULATION_STEP = Q_(5.0, "min")
#: How long a simulation runs on after the last session ends, unless told.
TAIL = Q_(12.0, "h")


def default_end(courses: list[Course], after: Quantity = TAIL) -> Quantity:
    """Where a simulation stops unless told: ``after`` the end of the last session of any course."""
    ends = [((course.sessions - 1) * course.interval + course.span()).to("h") for course in courses]
    end: Quantity = (max(ends) + after).to("h")
    return end


def check_course(course: Course) -> None:
    """Sessions must not overlap: the interval is at least the time a session gives drug (its duration, or
    longer when a bolus given over :data:`BOLUS_OVER` at the end runs on past it)."""
    span = course.span()
    if course.sessions > 1 and course.interval < span:
        raise DoseCalcError(
            f"{course.interval.to('h').magnitude:g} h is shorter than the {span.to('h').magnitude:g} h "
            "infusion; sessions cannot overlap",
            field="interval",
        )


class Run(NamedTuple):
    """One regimen's simulation: the model, the dose figures, the course, the time course and its summary."""

    model: PKModel
    figures: Any  # DoseFigures
    course: Course
    simulation: Simulation
    summary: ConcentrationSummary


def run_courses(model: PKModel, weight: Quantity, courses: Sequence[tuple[Any, Course]], times: Quantity) -> list[Run]:
    """Simulate and summarise each (figures, course) pair at the same output times."""
    return [
        Run(model, figures, course, simulate(model, weight, course, times), summarise(model, weight, course, times))
        for figures, course in courses
    ]
