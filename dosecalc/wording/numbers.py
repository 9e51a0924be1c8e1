"""Numbers for people: rounding only for display, never for machine output.

Display conventions (ISMP style): a leading zero (0.5 mg), no trailing zero (5 mg, not 5.0 mg), a
space between number and unit, thousands separators from 1,000, mL (never cc), mcg (never µg).
Rounding, always half up and only here at the end:

===========================  =====================================
figure                       shown to
===========================  =====================================
rate (mg/h), dose (mg)       0.1
per-kg figures               3 significant figures
weight (kg)                  0.1
pump rate (mL/h)             0.1 (0.01 below 1 mL/h)
volume (mL)                  0.1 (0.01 below 1 mL)
drip rate (gtt/min)          whole drops (0.01 below one drop a minute)
concentration (mg/mL)        3 significant figures
time (h)                     0.01
===========================  =====================================
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

from ..regimens import DOSE_FIELDS, DOSE_UNITS, BolusPhase, Card, InfusionPhase, PhasedCard, documented_dose, dose_unit
from ..units import Q_, Quantity, magnitude_in

#: Enough digits for any finite double (up to 1.8e308) with its decimals: the default 28 would make
#: ``quantize`` refuse a figure of 1e30 rather than show it.
_WIDE = Context(prec=400)


#: Most figures :func:`round_half_up` and :func:`intermediate` remember (a sheet's worked steps show the same
#: figure several times, and each is tried at several places); forgotten all at once when full.
_MEMO_SIZE = 8192
_ROUNDED: dict[tuple[float, int], Decimal] = {}
_INTERMEDIATE: dict[tuple[float, str], str] = {}


def _remembered(value: object) -> bool:
    """Whether a figure may be remembered by its value: a non-zero float (two of them that are equal are the
    same bits; 0.0 and -0.0 are equal but written differently, and an int or a numpy value is left alone)."""
    return type(value) is float and value != 0


def round_half_up(value: float, places: int) -> Decimal:
    """``value`` rounded half up, as taught (5.5 gtt/min is 6), to ``places`` decimals. The value is first
    read to 12 significant figures so that binary noise (5.499999999999999 for 5.5) cannot move a half.
    Any finite value can be shown, however large; infinities and NaN come back as they are."""
    remember = _remembered(value)
    if remember:
        found = _ROUNDED.get((value, places))
        if found is not None:
            return found
    exact = Decimal(f"{float(value):.12g}")
    if not math.isfinite(value):
        return exact
    result = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=_WIDE)
    if remember:
        if len(_ROUNDED) >= _MEMO_SIZE:
            _ROUNDED.clear()
        _ROUNDED[value, places] = result
    return result


def number(value: float, places: int) -> str:
    """``value`` rounded half up to ``places`` decimals, with a leading zero, no trailing zeros, and
    thousands separators: ``number(1234.50, 1) == "1,234.5"``, ``number(0.5, 2) == "0.5"``."""
    text = f"{round_half_up(value, places):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def significant(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures, e.g. ``significant(0.31428) == "0.314"``."""
    if value == 0:
        return "0"
    exponent = Decimal(repr(float(value))).adjusted()
    return number(value, max(digits - 1 - exponent, 0))


# Display unit and rounding of each canonical unit.
_RULES: dict[str, tuple[str, int | None]] = {
    "mg/h": ("mg/h", 1),
    "mg": ("mg", 1),
    "kg": ("kg", 1),
    "mg/kg/h": ("mg/kg/h", None),
    "mcg/kg/min": ("mcg/kg/min", None),
    "mg/kg": ("mg/kg", None),
    "mL/h": ("mL/h", 1),
    "gtt/min": ("gtt/min", 0),
    "mg/mL": ("mg/mL", None),
    "gtt/mL": ("gtt/mL", 0),
    "h": ("h", 2),
}


def has_rule(unit: str) -> bool:
    """Whether figures in ``unit`` have a display rule (mg/h, mL, gtt/min...)."""
    return unit == "mL" or unit in _RULES


#: Units whose display rule gives two decimals below 1, so that a small figure is never shown as 0 or as a
#: tenth of itself: 0.44 mL (not 0.4), 0.44 mL/h (not 0.4), 0.44 gtt/min (not 0).
SMALL_TWO_PLACES = ("mL", "mL/h", "gtt/min")


def rounded(value: float, unit: str) -> str:
    """``value`` (in ``unit``) rounded by the display rule for that unit, without the unit."""
    if unit in SMALL_TWO_PLACES and 0 < abs(value) < 1:
        return number(value, 2)
    if unit == "mL":
        return number(value, 1)
    # a rate unit a card's phase may be written in but that has no rule of its own (mg/min): 3 figures, as written
    places = _RULES[unit][1] if unit in _RULES or unit not in _WRITTEN_RATES else None
    return significant(value) if places is None else number(value, places)


def magnitude(q: Quantity, unit: str) -> str:
    """A quantity's number in ``unit``, rounded by the display rule for that unit (no unit text)."""
    return rounded(float(magnitude_in(q, unit)), unit)


def intermediate(value: float, unit: str) -> str:
    """``value`` as a worked step shows a figure on the way: two more decimals (or significant figures) than
    the display rule for ``unit``, and more where needed so that rounding the figure shown by the rule gives
    the same figure as rounding the exact value (24.449, not 24.45, for 24.4486 mg/h shown as 24.4). A unit
    without a rule (gtt/h) gets 4 decimals."""
    if not _remembered(value):
        return _intermediate(value, unit)
    found = _INTERMEDIATE.get((value, unit))
    if found is None:
        if len(_INTERMEDIATE) >= _MEMO_SIZE:
            _INTERMEDIATE.clear()
        found = _INTERMEDIATE[value, unit] = _intermediate(value, unit)
    return found


def _intermediate(value: float, unit: str) -> str:
    if not has_rule(unit):
        return number(value, 4)
    target = rounded(value, unit)
    sig_figs = unit != "mL" and _RULES[unit][1] is None
    base = 3 if sig_figs else (2 if unit == "mL" and abs(value) < 1 else 1 if unit == "mL" else _RULES[unit][1] or 0)
    for extra in range(2, 12):
        shown = significant(value, base + extra) if sig_figs else number(value, base + extra)
        if rounded(float(shown.replace(",", "")), unit) == target:
            return shown
    return number(value, 12)


def show(q: Quantity, unit: str) -> str:
    """A quantity for people: ``show(Q_(24.5, "mg/h"), "mg/h") == "24.5 mg/h"``."""
    label = _RULES[unit][0] if unit in _RULES else unit
    return f"{magnitude(q, unit)} {label}"


def duration(q: Quantity) -> str:
    """A duration in the unit a person would say: ``4 h``, ``30 min``, ``4.5 h``, ``4 days``."""
    hours = float(magnitude_in(q, "h"))
    if hours < 1:
        return f"{number(hours * 60, 1)} min"
    if hours >= 48 and hours % 24 == 0:
        return f"{number(hours / 24, 2)} days"
    return f"{number(hours, 2)} h"


def clock(hours: float) -> str:
    """Elapsed time as h:mm (h:mm:ss when not on a whole minute): ``clock(1.25) == "1:15"``."""
    total = Decimal(repr(float(hours))) * 3600
    seconds = int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}" if s == 0 else f"{h}:{m:02d}:{s:02d}"


def documented_dose_text(q: Quantity, kind: str) -> str:
    """A single-phase card's documented dose (``22 mg/h``); a phased card has no one dose (see
    :func:`card_dose_text`), and a caller that describes a card by one dose is refused rather than misled."""
    if kind not in DOSE_FIELDS:
        from ..errors import DoseCalcError

        raise DoseCalcError(
            f"a {kind} card has no single documented dose; exercises cover the single-phase kinds "
            f"({', '.join(DOSE_FIELDS)}), so leave phased cards out of this folder for now",
            field="regimens_dir",
        )
    return show(q, DOSE_UNITS[DOSE_FIELDS[kind]])


#: Rate units a phase may be written in, shown as written (``10 mcg/kg/min``, not ``0.6 mg/kg/h``).
_WRITTEN_RATES = ("mg/kg/h", "mcg/kg/min", "mg/kg/min", "mcg/kg/h", "mg/h", "mg/min", "mcg/min", "mcg/h")


def as_written(q: Quantity, unit: str) -> str:
    """A card's figure in the unit its card was written in when that is a rate unit dosecalc shows, else in
    ``unit``: ``as_written(Q_(10, "mcg/kg/min"), "mg/kg/h") == "10 mcg/kg/min"``."""
    for written in _WRITTEN_RATES:
        if q.units == Q_(1.0, written).units:
            return show(q, written)
    return show(q, unit)


def phase_text(phase: object, *, prose: bool = False) -> str:
    """One phase of a phased card, as its card writes it: ``bolus 0.5 mg/kg at once``, ``infusion 10 mcg/kg/min
    to the end of the session``, ``titration from 10 mg/h by 5 mg/h every 30 min up to 40 mg/h for 2 h``; with
    ``prose``, as a sentence says it: ``a bolus of 0.5 mg/kg at once``, ``an infusion of 10 mcg/kg/min to the
    end of the session``, ``a titration from 10 mg/h...``."""
    if isinstance(phase, BolusPhase):
        q, unit = (phase.dose, "mg") if phase.dose is not None else (phase.dose_per_kg, "mg/kg")
        how = "at once" if phase.over is None else f"over {duration(phase.over)}"
        return f"{'a bolus of' if prose else 'bolus'} {show(q, unit)} {how}"  # type: ignore[arg-type]
    if isinstance(phase, InfusionPhase):
        q, unit = (phase.rate, "mg/h") if phase.rate is not None else (phase.rate_per_kg, "mg/kg/h")
        text = f"{'an infusion of' if prose else 'infusion'} {as_written(q, unit)}"  # type: ignore[arg-type]
    else:
        text = (
            f"{'a titration' if prose else 'titration'} from {show(phase.start_rate, 'mg/h')} by "  # type: ignore[attr-defined]
            f"{show(phase.step, 'mg/h')} "  # type: ignore[attr-defined]
            f"every {duration(phase.every)} up to {show(phase.max_rate, 'mg/h')}"  # type: ignore[attr-defined]
        )
    length = phase.duration  # type: ignore[attr-defined]
    return text + (" to the end of the session" if length is None else f" for {duration(length)}")


def card_dose_text(card: Card, *, prose: bool = False) -> str:
    """A card's documented dose in words: ``22 mg/h``, ``0.5 mg/kg``; a phased card's phases joined by
    ``then`` (with ``prose``, as a sentence says them: ``a bolus of 0.5 mg/kg at once, then an infusion of 10
    mcg/kg/min to the end of the session``)."""
    if isinstance(card, PhasedCard):
        return ", then ".join(phase_text(phase, prose=prose) for phase in card.phases)
    return show(documented_dose(card), dose_unit(card))
