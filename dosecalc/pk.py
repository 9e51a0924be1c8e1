"""Educational plasma-concentration simulation: a linear three-compartment model, solved exactly.

A population-model estimate for teaching; it predicts nothing about a real patient.

Model (amounts in mg, time in minutes, infusion R(t) in mg/min into the central compartment 1)::

    dA1/dt = R(t) - (k10 + k12 + k13) A1 + k21 A2 + k31 A3
    dA2/dt = k12 A1 - k21 A2
    dA3/dt = k13 A1 - k31 A3
    dE/dt  = k10 A1                  (amount eliminated)
    C(t)   = A1 / V1                 (V1 = v1 [L/kg] x weight [kg]; reported in ng/mL)

R(t) is constant between breakpoints (the starts and ends of sessions). With the state
y = (A1, A2, A3, E, R) and dR/dt = 0 the system is y' = M y, so on each constant piece
y(t0 + s) = expm(M s) y(t0) exactly (scipy's Pade scaling-and-squaring matrix exponential): no
time stepping, at any time resolution, for any course of sessions. The eliminated amount E comes from
the same dynamics, so "infused = A1 + A2 + A3 + E" is a real check, not an identity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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


class Course(NamedTuple):
    """Sessions of an infusion: ``sessions`` sessions of ``duration``, one every ``interval``.

    A session is one constant ``rate``, or, for a phased regimen, a ``profile`` of constant-rate stretches
    ``(start min, end min, rate mg/min)`` from the start of the session and ``boluses`` ``(time min, amount mg)``
    given at once (each enters the central compartment whole at its time)."""

    rate: Quantity  # mg/h
    duration: Quantity  # h
    sessions: int = 1
    interval: Quantity = Q_(24.0, "h")
    profile: tuple[tuple[float, float, float], ...] | None = None
    boluses: tuple[tuple[float, float], ...] = ()

    def session_starts(self) -> np.ndarray:
        """The start of each session (min)."""
        return np.arange(self.sessions) * float(self.interval.to("min").magnitude)

    def pieces(self) -> tuple[np.ndarray, np.ndarray]:
        """Breakpoints (min) and the infusion rate (mg/min) from each breakpoint to the next."""
        breaks, rates, _ = self.pieces_and_doses()
        return breaks, rates

    def pieces_and_doses(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Breakpoints (min), the infusion rate (mg/min) from each to the next, and the amount (mg) given at once
        at each."""
        length = float(self.duration.to("min").magnitude)
        starts = self.session_starts()
        if self.profile is None and not self.boluses:
            rate = float(self.rate.to("mg/min").magnitude)
            breaks = np.ravel(np.column_stack([starts, starts + length]))
            rates = np.tile([rate, 0.0], self.sessions)
            return breaks, rates, np.zeros_like(breaks)
        times = {0.0, length} | {t for piece in self.profile or () for t in piece[:2]} | {t for t, _ in self.boluses}
        local = np.array(sorted(times))
        rate_at = np.zeros_like(local)
        for t0, t1, r in self.profile or ():
            rate_at[(local >= t0 - 1e-9) & (local < t1 - 1e-9)] += r
        dose_at = np.zeros_like(local)
        for t, amount in self.boluses:
            dose_at[int(np.argmin(np.abs(local - t)))] += amount
        breaks = np.ravel(starts[:, None] + local[None, :])
        return breaks, np.tile(rate_at, self.sessions), np.tile(dose_at, self.sessions)

    def infused(self, minutes: np.ndarray) -> np.ndarray:
        """Amount given by each time (mg): rate x time spent infusing so far, plus the boluses given by then."""
        if self.profile is None and not self.boluses:
            rate = float(self.rate.to("mg/min").magnitude)
            length = float(self.duration.to("min").magnitude)
            starts = self.session_starts()
            spent = np.clip(np.asarray(minutes)[..., None] - starts, 0.0, length).sum(axis=-1)
            return np.asarray(rate * spent)
        breaks, rates, doses = self.pieces_and_doses()
        widths = np.diff(np.append(breaks, np.inf))
        t = np.asarray(minutes, dtype=float)[..., None]
        given = (rates * np.clip(t - breaks, 0.0, widths)).sum(axis=-1) + (doses * (t >= breaks)).sum(axis=-1)
        return np.asarray(given)


def course_of(figures: Any, sessions: int = 1, interval: Quantity | None = None) -> Course:
    """The course of a regimen's figures (:class:`dosecalc.dosing.DoseFigures`): its constant rate, or, for a
    phased regimen, each phase's stretches and its boluses given at once, exactly as the phases give them."""
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


def check_drug(model: PKModel, figures: Any, field: str = "regimen") -> None:
    """A model runs only for a card of the drug it was built for; otherwise the refusal says why (a card naming
    no drug, a drug with no model, S(+)-ketamine and the racemic model)."""
    card, drug = figures.plan.card, figures.plan.drug
    if card.drug is None:
        raise DoseCalcError(
            f"{card.id} names no drug, so no model applies; a card gives its drug in a 'drug' field", field=field
        )
    if drug is None or model.id not in drug.models:
        reason = drug.not_simulated if drug is not None and drug.not_simulated else None
        if reason is None:
            reason = f"the {model.id} model was built for {model.drug}, not for {card.drug}"
        raise DoseCalcError(f"{card.id} doses {card.drug}: {reason}", field=field)


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

    matrix = model.matrix()
    breaks, rates, doses = course.pieces_and_doses()
    starts = np.empty((len(breaks), 5))
    state = np.zeros(5)
    for b, begin in enumerate(breaks):
        state[4] = rates[b]  # the infusion rate from this breakpoint on
        state[0] += doses[b]  # a bolus enters the central compartment whole
        starts[b] = state
        if b + 1 < len(breaks):
            state = expm(matrix * (breaks[b + 1] - begin)) @ state
    minutes = np.asarray(minutes, dtype=float)
    piece = np.searchsorted(breaks, minutes, side="right") - 1
    before = piece < 0  # before the first session: nothing given yet
    piece = np.maximum(piece, 0)
    elapsed = np.where(before, 0.0, minutes - breaks[piece])
    propagators = expm(matrix[None, :, :] * elapsed[:, None, None])
    out = np.einsum("nij,nj->ni", propagators, starts[piece])[:, :4]
    out[before] = 0.0
    return np.asarray(out)


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
    starts = course.session_starts() / 60.0
    ends = starts + float(course.duration.to("h").magnitude)
    at_end = simulate(model, weight, course, Q_(ends, "h")).concentration.to("ng/mL").magnitude
    at_next = simulate(model, weight, course, Q_(starts[1:], "h")).concentration.to("ng/mL").magnitude
    return ConcentrationSummary(
        peak_concentration=Q_(float(conc[top]), "ng/mL"),
        time_of_peak=Q_(float(grid[top]), "h"),
        end_of_session=[Q_(float(c), "ng/mL") for c in at_end],
        trough_before_next=[Q_(float(c), "ng/mL") for c in at_next],
        half_time_after_end=_half_time(model, weight, course, float(ends[-1])),
    )


def _half_time(model: PKModel, weight: Quantity, course: Course, end_h: float) -> Quantity | None:
    """Time after ``end_h`` for the concentration to fall to half its value then (bisection on the exact
    solution, to 1e-9 h); None when it does not halve within 30 days."""

    def conc(hours: float) -> float:
        sim = simulate(model, weight, course, Q_(np.array([hours]), "h"))
        return float(sim.concentration.magnitude[0])

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
    ends = [((course.sessions - 1) * course.interval + course.duration).to("h") for course in courses]
    end: Quantity = (max(ends) + after).to("h")
    return end


def check_course(course: Course) -> None:
    """Sessions must not overlap: the interval is at least the duration."""
    if course.sessions > 1 and course.interval < course.duration:
        raise DoseCalcError(
            f"{course.interval.to('h').magnitude:g} h is shorter than the {course.duration.to('h').magnitude:g} h "
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
