"""The one unit registry of dosecalc and the strict parser for quantities that people type.

The registry holds only the units dosecalc knows (mass, time, volume and drops), defined here rather
than loaded from pint's full default file: that keeps start-up cheap and means that spellings pint would
read surprisingly (``U`` as an enzyme unit, ``units`` as a light unit) are simply unknown.

User text never reaches pint's own expression parser, which accepts powers and sums, can hang on
``9**9**9`` and reads ``70,5 kg`` as 705 kg. :func:`parse_quantity` accepts exactly one plain decimal
number followed by a unit made of known unit words joined by ``/``; anything else is refused with a
message that says what to write instead.
"""

from __future__ import annotations

import datetime
import math
import numbers
import re
import unicodedata
from collections.abc import Sequence
from typing import Any, NamedTuple, TypeAlias

import pint
from pint.facets.plain import ScaleConverter, UnitDefinition
from pint.util import UnitsContainer

from .errors import QuantityError, quote

__all__ = [
    "AMBIGUOUS_COMMA",
    "CONCENTRATION",
    "DECIMAL_COMMA",
    "DOSE",
    "DOSE_PER_KG",
    "DROP_FACTOR",
    "DURATION",
    "POUND_IN_KG",
    "PREPARATION_AMOUNT",
    "PREPARATION_VOLUME",
    "Q_",
    "RATE",
    "RATE_PER_KG",
    "THOUSANDS_COMMA",
    "TIME_STEP",
    "WEIGHT",
    "Quantity",
    "QuantitySpec",
    "as_concentration",
    "as_quantity",
    "parse_concentration",
    "parse_quantity",
    "unit_for",
    "ureg",
]

#: The international pound, exactly (International Yard and Pound Agreement, 1959).
POUND_IN_KG = 0.45359237

# (name, symbol, factor, reference): each unit is factor x reference, a base dimension or another unit.
_DEFINITIONS: tuple[tuple[str, str, float, str], ...] = (
    ("gram", "g", 1.0, "[mass]"),
    ("kilogram", "kg", 1000.0, "gram"),
    ("milligram", "mg", 1e-3, "gram"),
    ("microgram", "mcg", 1e-6, "gram"),
    ("nanogram", "ng", 1e-9, "gram"),
    ("pound", "lb", POUND_IN_KG, "kilogram"),
    ("second", "s", 1.0, "[time]"),
    ("minute", "min", 60.0, "second"),
    ("hour", "h", 60.0, "minute"),
    ("day", "d", 24.0, "hour"),
    ("liter", "L", 1.0, "[volume]"),
    ("milliliter", "mL", 1e-3, "liter"),
    ("drop", "gtt", 1.0, "[drops]"),
)

# Unit words a person may type, lower-cased, with the registry unit and the kind of thing it measures.
_UNIT_WORDS: dict[str, tuple[str, str]] = {}
for _kind, _unit, _words in (
    ("mass", "kilogram", "kg kgs kilogram kilograms kilo kilos"),
    ("mass", "gram", "g gram grams"),
    ("mass", "milligram", "mg milligram milligrams"),
    ("mass", "microgram", "mcg microgram micrograms"),
    ("mass", "nanogram", "ng nanogram nanograms"),
    ("mass", "pound", "lb lbs pound pounds"),
    ("time", "second", "s sec secs second seconds"),
    ("time", "minute", "min mins minute minutes"),
    ("time", "hour", "h hr hrs hour hours"),
    ("time", "day", "d day days"),
    ("volume", "milliliter", "ml millilitre millilitres milliliter milliliters"),
    ("volume", "liter", "l litre litres liter liters"),
    ("drops", "drop", "gtt gtts drop drops"),
):
    for _word in _words.split():
        _UNIT_WORDS[_word] = (_unit, _kind)

_CONTAINERS: dict[str, UnitsContainer] = {}


def _over(names: list[str]) -> UnitsContainer:
    """The first registry unit over the others: ``["milligram", "kilogram", "hour"]`` is mg/(kg h). Each list
    of names is worked out once (pint's units are immutable): every weight typed in kg has the same units."""
    key = tuple(names)
    found = _OVER.get(key)
    if found is None:
        exponents: dict[str, int] = {}
        for position, name in enumerate(names):
            exponents[name] = exponents.get(name, 0) + (1 if position == 0 else -1)
        found = UnitsContainer({name: power for name, power in exponents.items() if power})
        if len(_OVER) >= _OVER_KEPT:  # bounded: text from a request may name many lists of known units
            _OVER.clear()
        _OVER[key] = found
    return found


_OVER: dict[tuple[str, ...], UnitsContainer] = {}
_OVER_KEPT = 256


class _Registry(pint.UnitRegistry[Any]):
    """pint's registry, reading unit text the dosecalc way: known unit words joined by ``/``.

    The unit strings in dosecalc's own code (``q.to("mg/kg/h")``) are read here, without pint's
    expression parser; text this cannot read is handed to pint as usual.
    """

    def parse_units_as_container(
        self, input_string: str, as_delta: bool | None = None, case_sensitive: bool | None = None
    ) -> UnitsContainer:
        container = _CONTAINERS.get(input_string)
        if container is None:
            try:
                names = [_UNIT_WORDS[word.strip().lower()][0] for word in input_string.split("/") if input_string]
            except KeyError:
                return super().parse_units_as_container(input_string, as_delta, case_sensitive)
            container = _CONTAINERS[input_string] = _over(names)
        return container


ureg: pint.UnitRegistry[Any] = _Registry(None, cache_folder=None)
# Definition objects rather than definition text: well under a millisecond for all, against about one
# millisecond for each line of text that pint would parse.
for _name, _symbol, _factor, _reference in _DEFINITIONS:
    definition = UnitDefinition(_name, _symbol, (), ScaleConverter(_factor), UnitsContainer({_reference: 1}))
    ureg.define(definition)  # type: ignore[arg-type]  # pint's annotation omits definition objects
Q_ = ureg.Quantity
#: Annotation for a pint quantity of any magnitude type (float or numpy array).
Quantity: TypeAlias = pint.Quantity[Any]

# Spellings that are clear to a person but error-prone in medicine, or that dosecalc does not support.
_REFUSED_WORDS: dict[str, str] = {
    "cc": "write mL, not cc",
    "µg": "write mcg, not µg",
    "μg": "write mcg, not μg",
    "ug": "write mcg, not ug",
    "u": "dosecalc doses by mass (mg, mcg); units are not supported",
    "unit": "dosecalc doses by mass (mg, mcg); units are not supported",
    "units": "dosecalc doses by mass (mg, mcg); units are not supported",
    "iu": "dosecalc doses by mass (mg, mcg); units are not supported",
    "oz": "convert to kg or lb",
    "st": "convert to kg or lb",
    "stone": "convert to kg or lb",
}

_KIND_WORDS = {"per": "", "mass": "a mass", "time": "a time", "volume": "a volume", "drops": "drops"}

_NUMBER = re.compile(r"(?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\s*(?P<unit>.*)", re.ASCII | re.DOTALL)
_UNIT_SEPARATOR = re.compile(r"\s*/\s*|\s+per\s+", re.ASCII | re.IGNORECASE)
#: A number with a comma before a group of three digits (``2,000``, ``5,834``): a thousands separator or a decimal
#: comma, no one can tell which, so the parser and marking alike refuse it with :data:`AMBIGUOUS_COMMA`.
THOUSANDS_COMMA = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", re.ASCII)
#: Why a number matching :data:`THOUSANDS_COMMA` is refused, and what to write (an example follows it).
AMBIGUOUS_COMMA = (
    "has a comma, which could be a thousands separator or a decimal comma; "
    "write the number without commas, with a decimal point if needed"
)
#: A number written with a decimal comma (``70,5``), refused by the parser and by marking alike.
DECIMAL_COMMA = re.compile(r"[0-9]*,[0-9]+", re.ASCII)

#: Longest text the parser reads; quantities people type are far shorter.
MAX_TEXT_LENGTH = 64


class QuantitySpec(NamedTuple):
    """What a field expects: the parts of its unit, its canonical unit and its plausible range.

    The unit is checked by its parts, not only by pint's dimension: ``mg/kg/h`` is a mass, per a
    (body) mass, per a time, so ``0.35 /h`` (also 1/[time] to pint) is refused for it.
    """

    what: str
    numerator: str
    denominators: tuple[str, ...]
    unit: str
    low: float
    high: float
    example: str
    range_words: str | None = None  # the accepted range in words, when plainer than low..high in the unit

    @property
    def expected(self) -> str:
        """Human wording of what the field expects, e.g. ``a rate in mg/h such as 22 mg/h``."""
        return f"{self.what} such as {self.example}"

    @property
    def range_text(self) -> str:
        return self.range_words or f"{_plain(self.low)} to {_plain(self.high)} {self.unit}"


def _plain(value: float) -> str:
    return f"{value:,.10g}"


WEIGHT = QuantitySpec("a body weight in kg, g or lb", "mass", (), "kg", 0.3, 650.0, "70 kg")
DURATION = QuantitySpec("a duration", "time", (), "h", 1 / 60, 30 * 24.0, "4 h", "1 min to 30 days")
TIME_STEP = QuantitySpec("a time step", "time", (), "h", 1 / 3600, 30 * 24.0, "15 min", "1 s to 30 days")
RATE = QuantitySpec("a rate (mass per time)", "mass", ("time",), "mg/h", 0.001, 1000.0, "22 mg/h")
RATE_PER_KG = QuantitySpec(
    "a weight-based rate (mass per kg per time)", "mass", ("mass", "time"), "mg/kg/h", 0.0001, 20.0, "0.35 mg/kg/h"
)
DOSE = QuantitySpec("a dose (mass)", "mass", (), "mg", 0.001, 10000.0, "80 mg")
DOSE_PER_KG = QuantitySpec("a weight-based dose (mass per kg)", "mass", ("mass",), "mg/kg", 0.0001, 50.0, "1 mg/kg")
CONCENTRATION = QuantitySpec(
    "a concentration (mass per volume)", "mass", ("volume",), "mg/mL", 0.001, 100.0, "2 mg/mL or 100 mg in 50 mL"
)
PREPARATION_AMOUNT = QuantitySpec("a drug amount (mass)", "mass", (), "mg", 0.001, 100000.0, "100 mg")
PREPARATION_VOLUME = QuantitySpec("a volume", "volume", (), "mL", 0.1, 5000.0, "50 mL")
DROP_FACTOR = QuantitySpec("a drop factor (drops per volume)", "drops", ("volume",), "gtt/mL", 1.0, 100.0, "20 gtt/mL")


def _fail(text: str, problem: str) -> QuantityError:
    return QuantityError(f"{quote(text)} {problem}")


def _check_characters(text: str, spec: QuantitySpec) -> None:
    for ch in text:
        if ord(ch) > 127 and ch not in "µμ":
            name = unicodedata.name(ch, "an unnamed character")
            hint = "use plain digits 0-9" if ch.isdigit() or ch.isnumeric() else "type it with plain ASCII letters"
            raise _fail(text, f"contains {name} (U+{ord(ch):04X}); {hint}, e.g. {spec.example}")
        if ord(ch) < 32 or ord(ch) == 127:
            raise _fail(text, f"contains a control character; expected {spec.expected}")


def _number_problem(text: str, spec: QuantitySpec) -> str:
    """Explain why ``text`` does not start with a plain decimal number."""
    head = text.lstrip()
    low = head.lower()
    if THOUSANDS_COMMA.match(head):
        return f"{AMBIGUOUS_COMMA}, e.g. {spec.example}"
    if DECIMAL_COMMA.match(head):
        fixed = head.split()[0].replace(",", ".")
        return f"uses a decimal comma; write {fixed}{head[len(head.split()[0]) :]}"
    if head.startswith("-"):
        return f"is negative; expected {spec.expected} (more than zero)"
    if head.startswith("+"):
        return f"has a '+' sign; write the number alone, e.g. {spec.example}"
    if head.startswith("."):
        return f"has no leading zero; write 0{head.split()[0]} (e.g. {spec.example})"
    if low.startswith(("nan", "inf")):
        return f"is not a finite number; expected {spec.expected}"
    return f"is not a plain number with a unit; expected {spec.expected}"


def _read_unit(text: str, unit_text: str, spec: QuantitySpec) -> tuple[UnitsContainer, list[str], list[str]]:
    """Read ``mg/kg/h``-style text into a pint units container and the kinds above and below the line."""
    if not unit_text.strip():
        return UnitsContainer({}), [], []
    words = _UNIT_SEPARATOR.split(unit_text.strip())
    names: list[str] = []
    numerator: list[str] = []
    denominators: list[str] = []
    for position, word in enumerate(words):
        key = word.lower()
        if key in _REFUSED_WORDS:
            raise _fail(text, f"uses '{word}': {_REFUSED_WORDS[key]}")
        if key not in _UNIT_WORDS:
            if not word:
                raise _fail(text, f"has an empty part in its unit; expected {spec.expected}")
            stray = re.search(r"[;|&$`<>!{}\[\]\\\"'#%@?~,:]", word)
            if stray:
                raise _fail(
                    text, f"contains '{stray[0]}', which is not part of a number or a unit; expected {spec.expected}"
                )
            if re.search(r"[*^()+\-=]", word):
                raise _fail(text, f"is an expression; expected one number and a unit, e.g. {spec.example}")
            if re.search(r"[0-9]", word):
                raise _fail(text, f"has more than one number; expected {spec.expected}")
            if all(part.lower() in _UNIT_WORDS for part in word.split()):
                raise _fail(text, f"has more than one unit ('{word}'); expected {spec.expected}")
            raise _fail(text, f"has an unknown unit '{word}'; expected {spec.expected}")
        unit, kind = _UNIT_WORDS[key]
        names.append(unit)
        (numerator if position == 0 else denominators).append(kind)
    return _over(names), numerator, denominators


def parse_quantity(text: Any, spec: QuantitySpec, *, keep_unit: bool = False) -> Quantity:
    """Parse a plain number with a unit into a quantity in ``spec.unit``, or raise :class:`QuantityError`.

    Accepted: ``70 kg``, ``70kg``, ``154 lb``, ``0.5 h``, ``30 min``, ``2 mg/mL``, ``0.35 mg/kg/h``,
    ``22 mg per hour``. Refused, each with a message saying why: decimal commas and thousands separators,
    expressions, several numbers, unknown or error-prone units (``cc``, ``µg``, ``units``), a unit of the
    wrong kind, non-finite, zero, negative and implausible values (outside ``spec.low``..``spec.high``).
    With ``keep_unit`` the checked quantity is returned in the unit it was written in.
    """
    if not isinstance(text, str):
        raise QuantityError(f"expected text such as '{spec.example}', got {type(text).__name__} {text!r:.40}")
    if len(text) > MAX_TEXT_LENGTH:
        raise _fail(text, f"is too long ({len(text)} characters); expected {spec.expected}")
    if not text.strip():
        raise _fail(text, f"is empty; expected {spec.expected}")
    _check_characters(text, spec)
    match = _NUMBER.fullmatch(text.strip())
    if match is None:
        raise _fail(text, _number_problem(text, spec))
    number_text, unit_text = match["number"], match["unit"]
    if unit_text.startswith((",", ".")) and len(unit_text) > 1 and unit_text[1:2].isdigit():
        raise _fail(text, _number_problem(text, spec))
    value = float(number_text)
    if not math.isfinite(value):
        raise _fail(text, f"is too large to be a real value; expected {spec.expected}")
    units, numerator, denominators = _read_unit(text, unit_text, spec)
    return _checked(text, _built(value, units), numerator, denominators, spec, keep_unit)


def _checked(
    text: str, typed: Quantity, numerator: list[str], denominators: list[str], spec: QuantitySpec, keep_unit: bool
) -> Quantity:
    """``typed`` once its unit's parts are those ``spec`` expects and its value is in range."""
    if not numerator and not denominators:
        raise _fail(text, f"has no unit; expected {spec.expected}")
    if not numerator:
        raise _fail(text, f"is {_describe(['per'], denominators)}; expected {spec.expected}")
    if numerator != [spec.numerator] or sorted(denominators) != sorted(spec.denominators):  # the same, any order
        raise _fail(text, f"is {_describe(numerator, denominators)}; expected {spec.expected}")
    quantity = to(typed, spec.unit)  # pint's conversion, by its factor worked out once per pair of units
    magnitude = float(quantity.magnitude)
    if typed.magnitude == 0 or magnitude == 0:
        raise _fail(text, f"is zero; expected {spec.expected} (more than zero)")
    if not spec.low <= magnitude <= spec.high:
        if spec is WEIGHT and str(typed.units) in _DOSE_MASSES:
            raise _fail(text, f"is in {typed.units:~}, a unit for doses; a body weight is in kg, g or lb, e.g. 70 kg")
        raise _fail(text, f"is outside the accepted range {spec.range_text}; expected {spec.expected}")
    return typed if keep_unit else quantity


#: Units of mass for doses, not for body weights.
_DOSE_MASSES = frozenset({"milligram", "microgram", "nanogram"})

#: The kind of each registry unit: "milligram" -> "mass".
_UNIT_KINDS = {unit: kind for unit, kind in _UNIT_WORDS.values()}


def as_quantity(value: Any, spec: QuantitySpec, *, keep_unit: bool = False) -> Quantity:
    """Text as :func:`parse_quantity` reads it, or a pint quantity of dosecalc's registry checked the same
    way (the parts of its unit, a finite value in range), in ``spec.unit``; a number without a unit is
    refused with the text to write instead (``70 has no unit; write '70 kg'``).

    >>> float(as_quantity(Q_(154, "lb"), WEIGHT).magnitude)  # 154 x 0.45359237 kg
    69.85322498000001
    """
    if isinstance(value, str):
        return parse_quantity(value, spec, keep_unit=keep_unit)
    if isinstance(value, datetime.timedelta) or type(value).__name__ == "timedelta64":
        value = _from_timedelta(value)
    if isinstance(value, pint.Quantity):
        return _from_quantity(value, spec, keep_unit)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):  # numpy's numbers too
        value = float(value)
        if not math.isfinite(value):
            raise QuantityError(f"{value!r} is not a finite number; expected {spec.expected}")
        shown = f"{value:g}"
        raise QuantityError(f"{shown} has no unit; write '{shown} {spec.example.split()[1]}'")
    raise QuantityError(
        f"expected text such as '{spec.example}' or a quantity, got {type(value).__name__} {quote(repr(value))}"
    )


def _from_timedelta(value: Any) -> Quantity:
    """A time span (``datetime.timedelta``, pandas' ``Timedelta``, numpy's ``timedelta64``) as a quantity in
    the largest of h, min and s that holds it whole (3 h, 90 min, 1.5 s), so that a message quotes it as a
    person would write it. It is checked as any quantity is: a span for a weight is not a mass."""
    if isinstance(value, datetime.timedelta):
        seconds = value / datetime.timedelta(seconds=1)
    else:
        import numpy as np

        seconds = float(value / np.timedelta64(1, "s"))  # NaT gives NaN, refused as not finite
    for unit, size in (("h", 3600), ("min", 60)):
        if math.isfinite(seconds) and seconds % size == 0:
            return Q_(seconds / size, unit)
    return Q_(seconds, "s")


def _from_quantity(value: pint.Quantity[Any], spec: QuantitySpec, keep_unit: bool) -> Quantity:
    magnitude = value.magnitude
    if not isinstance(value, ureg.Quantity):
        raise QuantityError(f"{value!s:.40} is a quantity of another pint registry; use dosecalc.Q_ or text")
    if isinstance(magnitude, bool) or not isinstance(magnitude, numbers.Real):
        raise QuantityError(
            f"expected one value such as {spec.example}, got a {type(magnitude).__name__} quantity "
            "(for several, give a list)"
        )
    magnitude = float(magnitude)
    powers = [(name, float(power)) for name, power in value.unit_items()]  # type: ignore[arg-type]
    if any(not power.is_integer() for _, power in powers):
        raise QuantityError(f"{value!s:.40} has a unit raised to a fractional power; expected {spec.expected}")
    items = [(name, int(power)) for name, power in powers]
    if any(name not in _UNIT_KINDS for name, _ in items):
        raise QuantityError(f"{value!s:.40} has a unit dosecalc does not know; expected {spec.expected}")
    shown = f"{magnitude:g} {value.units:~}".replace(" / ", "/").replace(" * ", "·")
    if not math.isfinite(magnitude):
        raise _fail(shown, f"is not a finite number; expected {spec.expected}")
    if magnitude < 0:
        raise _fail(shown, f"is negative; expected {spec.expected} (more than zero)")
    numerator = [_UNIT_KINDS[name] for name, power in items if power > 0 for _ in range(power)]
    denominators = [_UNIT_KINDS[name] for name, power in items if power < 0 for _ in range(-power)]
    return _checked(shown, Q_(float(magnitude), value.units), numerator, denominators, spec, keep_unit)


_PLAIN_NUMBER = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z/ ]*?)\s*", re.ASCII)


def read_number(text: str, field: str) -> tuple[float, str]:
    """A plain decimal number, optionally followed by a unit written after it (``10.9 mL/h``): the number
    and the unit text. Anything else (commas, signs, expressions) is refused, as everywhere in dosecalc."""
    match = _PLAIN_NUMBER.fullmatch(text) if len(text) <= MAX_TEXT_LENGTH else None
    if match is None:
        raise QuantityError(f"{quote(text)} is not a plain number such as 10.9 (or 10.9 mL/h)", field=field)
    value = float(match[1])
    if not math.isfinite(value) or value >= MAX_NUMBER:
        raise QuantityError(f"{quote(text)} is too large to be a real value", field=field)
    return value, match[2]


_SYMBOLS = {name: symbol for name, symbol, _, _ in _DEFINITIONS}
_ANY_UNIT = QuantitySpec("a unit", "mass", (), "mg", 0.0, 0.0, "10.9 mL/h")


def unit_text(text: str) -> str:
    """Unit words as dosecalc writes them (``mg per hr`` is ``mg/h``, ``drops/min`` is ``gtt/min``), or
    :class:`QuantityError` saying why they are not units dosecalc knows."""
    _check_characters(text, _ANY_UNIT)
    _read_unit(text, text, _ANY_UNIT)
    return "/".join(_SYMBOLS[_UNIT_WORDS[word.lower()][0]] for word in _UNIT_SEPARATOR.split(text.strip()))


def _kinds(unit: str) -> tuple[str, tuple[str, ...]]:
    kinds = [_UNIT_KINDS[_UNIT_WORDS[word.lower()][0]] for word in unit.split("/")]
    return kinds[0], tuple(sorted(kinds[1:]))


_FACTORS: dict[tuple[Any, str | UnitsContainer], float] = {}


def magnitude_in(q: Quantity, unit: str | UnitsContainer) -> Any:
    """``q``'s magnitude in ``unit`` (``q.to(unit).magnitude``, the same float), by a conversion factor worked
    out once for each pair of units: dosecalc's units are all multiplicative, and pint's general conversion
    costs far more than the multiplication."""
    if isinstance(unit, str) and _CONTAINERS.get(unit) is q._units:  # already in the unit: pint's factor is 1.0
        return q._magnitude * 1.0
    key = (q._units, unit)
    factor = _FACTORS.get(key)
    if factor is None:
        factor = _FACTORS[key] = float(Q_(1.0, q._units).to(unit).magnitude)
    return q._magnitude * factor


def in_unit(q: Quantity, unit: str, units: UnitsContainer) -> Any:
    """:func:`magnitude_in` for a unit whose pint units are already read (``units = units_of(unit)``): the same
    value, without looking the unit text up first, for the figures of a table that come in their unit already."""
    if q._units is units:
        return q._magnitude * 1.0
    return magnitude_in(q, unit)


_PRODUCTS: dict[tuple[Any, Any, str, bool], float] = {}


def _units(unit: str) -> UnitsContainer:
    """pint's units for dosecalc's own unit text, read once (:meth:`_Registry.parse_units_as_container`)."""
    return ureg.parse_units_as_container(unit)


def _built(magnitude: Any, units: UnitsContainer) -> Quantity:
    """``Q_(magnitude, units)`` for a float or array magnitude and units pint has already read: the two
    attributes pint's constructor sets, without its checks for strings, lists and other quantities, which
    cost ten times the rest on one patient's figures."""
    built: Quantity = object.__new__(_QUANTITY)
    built._magnitude = magnitude
    built._units = units
    return built


_QUANTITY = type(Q_(1.0, "mg"))
if vars(Q_(1.0, _units("mg"))) != vars(_built(1.0, _units("mg"))):  # a pint that sets more: its own constructor
    _built = Q_  # type: ignore[assignment]


def units_of(unit: str) -> UnitsContainer:
    """pint's units for dosecalc's own unit text (``"mg/h"``), read once: for :func:`attach`."""
    return _units(unit)


def attach(magnitude: Any, units: UnitsContainer) -> Quantity:
    """A float (or array) with units already read (:func:`units_of`) attached: ``Q_(magnitude, units)``."""
    return _built(magnitude, units)


def quantity(magnitude: Any, unit: str) -> Quantity:
    """``Q_(magnitude, unit)`` for a float or array magnitude, with the unit text read once."""
    return _built(magnitude, _units(unit))


def to(q: Quantity, unit: str) -> Quantity:
    """``q.to(unit)``: the same magnitude (by :func:`magnitude_in`'s factor) and units, for a fraction of the
    cost. A unit of another dimension is refused by pint when the factor is first worked out."""
    return _built(magnitude_in(q, unit), _units(unit))


def _combined(a: Quantity, b: Quantity, unit: str, divide: bool) -> Quantity:
    key = (a._units, b._units, unit, divide)
    factor = _PRODUCTS.get(key)
    if factor is None:
        one, other = Q_(1.0, a._units), Q_(1.0, b._units)
        factor = _PRODUCTS[key] = float((one / other if divide else one * other).to(unit).magnitude)
    magnitude = a._magnitude / b._magnitude if divide else a._magnitude * b._magnitude
    return _built(magnitude * factor, _units(unit))


def product(a: Quantity, b: Quantity, unit: str) -> Quantity:
    """``(a * b).to(unit)``: pint works out the units' product and its factor to ``unit`` once for each pair
    of units (refusing a product of another dimension), and each call multiplies the magnitudes by it, as
    pint's own conversion does, so the figure is the same float."""
    return _combined(a, b, unit, divide=False)


def quotient(a: Quantity, b: Quantity, unit: str) -> Quantity:
    """``(a / b).to(unit)``, as :func:`product` computes a product."""
    return _combined(a, b, unit, divide=True)


_REDUCED: dict[tuple[Any, Any], tuple[UnitsContainer, float]] = {}


def reduced_product(a: Quantity, b: Quantity) -> Quantity:
    """``(a * b).to_reduced_units()`` (one unit per dimension: mcg/kg/min x kg is mcg/min): pint works out the
    reduced units and their factor once for each pair of units, and each call multiplies the magnitudes by it,
    as pint's own conversion does, so the figure is the same float."""
    key = (a._units, b._units)
    found = _REDUCED.get(key)
    if found is None:
        one = (Q_(1.0, a._units) * Q_(1.0, b._units)).to_reduced_units()
        found = _REDUCED[key] = (one._units, float(one._magnitude))
    units, factor = found
    return _built(a._magnitude * b._magnitude * factor, units)


def summed(quantities: Sequence[Quantity], unit: str) -> Quantity:
    """``sum(quantities).to(unit)`` for quantities of one dimension, each taken in ``unit`` and added in order."""
    total = magnitude_in(quantities[0], unit)
    for q in quantities[1:]:
        total = total + magnitude_in(q, unit)
    return _built(total, _units(unit))


def kind_words(unit: str) -> str:
    """What a unit as dosecalc writes it measures, in words: ``mL/h`` is "a volume per time"."""
    numerator, denominators = _kinds(unit)
    return _describe([numerator], list(denominators))


def convertible(unit: str, other: str) -> bool:
    """Whether two units as dosecalc writes them measure the same kind of thing, part by part (``mg/min``
    and ``mg/h`` do; ``mg/kg/h`` and ``mg/h`` do not, though pint would call both 1/[time] and mass/time)."""
    return _kinds(unit) == _kinds(other)


def convert_text(value: float, unit: str, other: str) -> float:
    """``value`` in ``unit`` expressed in ``other`` (two units :func:`convertible` says are alike)."""
    return float(Q_(value, unit).to(other).magnitude)


#: Largest number :func:`read_number` accepts (a thousand billion): larger numbers are no answer to a dose
#: calculation, and a double no longer holds every whole number near them exactly.
MAX_NUMBER = 1e15
#: Most digits :func:`whole_number` reads; Python refuses to convert past 4,300.
MAX_WHOLE_DIGITS = 18


def whole_number(text: str, field: str, low: int, high: int) -> int:
    """A whole number written in plain ASCII digits, from ``low`` to ``high``, or :class:`QuantityError`.
    Its length is checked before it is converted, so ten thousand digits cost nothing and never reach
    ``int`` (which refuses more than 4,300 digits with a ``ValueError``)."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()):
        raise QuantityError(f"{quote(text)} is not a whole number from {low} to {high}", field=field)
    if len(digits.lstrip("0")) > MAX_WHOLE_DIGITS or not low <= int(digits) <= high:
        raise QuantityError(f"{quote(text)} is not a whole number from {low} to {high}", field=field)
    return int(digits)


def unit_for(word: str, spec: QuantitySpec) -> str | None:
    """The registry unit for ``word`` when that word alone is a unit of the kind ``spec`` expects
    (``unit_for("lbs", WEIGHT) == "pound"``); ``None`` for anything else.

    Lets a column of ``NUMBER UNIT`` texts be read with one pint conversion per distinct unit word,
    the numbers converted together as a numpy array inside a pint quantity.
    """
    entry = _UNIT_WORDS.get(word.lower())
    if entry is None or spec.denominators or entry[1] != spec.numerator:
        return None
    return entry[0]


def _describe(numerator: list[str], denominators: list[str]) -> str:
    words = " per ".join(_KIND_WORDS[kind] for kind in numerator + denominators)
    return words.replace("per a ", "per ").strip()


_IN = re.compile(r"\s+in\s+", re.ASCII | re.IGNORECASE)
_LABEL_SIDE = r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\s*[A-Za-z]+"
_LABEL = re.compile(
    rf"\s*(?P<amount>{_LABEL_SIDE})\s*(?:/|\s+per\s+)\s*(?P<volume>{_LABEL_SIDE})\s*", re.ASCII | re.IGNORECASE
)


class Concentration(NamedTuple):
    """A drug concentration (mg/mL), with the preparation it came from when one was given."""

    value: Quantity
    amount: Quantity | None = None
    volume: Quantity | None = None

    @property
    def is_preparation(self) -> bool:
        return self.amount is not None and self.volume is not None


def as_concentration(value: Any) -> Concentration:
    """Text as :func:`parse_concentration` reads it, a concentration quantity (mass per volume) of dosecalc's
    registry, or a :class:`Concentration` already read."""
    if isinstance(value, Concentration):
        return value
    if isinstance(value, str):
        return parse_concentration(value)
    return Concentration(as_quantity(value, CONCENTRATION))


def _label_parts(text: str) -> list[str] | None:
    """The amount and the volume of a vial-label strength (``500 mg/10 mL``, ``500 mg per 10 mL``): two numbers,
    each with one unit word, on either side of one ``/`` or ``per``; None for any other shape."""
    match = _LABEL.fullmatch(text)
    return None if match is None else [match["amount"], match["volume"]]


def parse_concentration(text: Any) -> Concentration:
    """Parse ``2 mg/mL``, a preparation ``100 mg in 50 mL`` or a label strength ``500 mg/10 mL`` (total amount per
    total volume, as vial labels print it) into a concentration in mg/mL.

    Formula for a preparation or a label: concentration (mg/mL) = amount (mg) / volume (mL).
    """
    parts = None
    if isinstance(text, str) and len(text) <= MAX_TEXT_LENGTH:
        parts = _IN.split(text.strip()) if _IN.search(text) else _label_parts(text)
    if isinstance(text, str) and parts is not None:
        if len(parts) != 2:
            raise _fail(text, f"is not one preparation; expected {CONCENTRATION.expected}")
        try:
            amount = parse_quantity(parts[0], PREPARATION_AMOUNT)
            volume = parse_quantity(parts[1], PREPARATION_VOLUME)
        except QuantityError as error:
            raise _fail(text, f"is not a preparation: {error.problem}") from None
        value = (amount / volume).to(CONCENTRATION.unit)
        if not CONCENTRATION.low <= float(value.magnitude) <= CONCENTRATION.high:
            raise _fail(text, f"gives a concentration outside {CONCENTRATION.range_text}")
        return Concentration(value, amount, volume)
    return Concentration(parse_quantity(text, CONCENTRATION))
