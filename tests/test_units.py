"""The strict quantity parser: what it accepts, what it refuses and how it says so."""

from __future__ import annotations

import math

import numpy as np
import pint
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dosecalc.errors import QuantityError
from dosecalc.units import (
    CONCENTRATION,
    DROP_FACTOR,
    DURATION,
    POUND_IN_KG,
    Q_,
    RATE,
    RATE_PER_KG,
    TIME_STEP,
    WEIGHT,
    QuantitySpec,
    parse_concentration,
    parse_quantity,
    product,
    quantity,
    quotient,
    reduced_product,
    summed,
    to,
)

from .helpers import assert_quantity_close

ACCEPTED = [
    ("70kg", WEIGHT, Q_(70, "kg")),
    ("70 kg", WEIGHT, Q_(70, "kg")),
    ("  70 kg  ", WEIGHT, Q_(70, "kg")),
    ("70 kilograms", WEIGHT, Q_(70, "kg")),
    ("70 Kg", WEIGHT, Q_(70, "kg")),
    ("70000 g", WEIGHT, Q_(70, "kg")),
    # 154 lb x 0.45359237 kg/lb = 69.85322498 kg
    ("154 lb", WEIGHT, Q_(69.85322498, "kg")),
    ("154 lbs", WEIGHT, Q_(69.85322498, "kg")),
    ("154 pounds", WEIGHT, Q_(69.85322498, "kg")),
    ("7e1 kg", WEIGHT, Q_(70, "kg")),
    ("0.5 h", DURATION, Q_(0.5, "h")),
    ("30 min", DURATION, Q_(0.5, "h")),
    ("4 hours", DURATION, Q_(4, "h")),
    ("4 hr", DURATION, Q_(4, "h")),
    ("2 days", DURATION, Q_(48, "h")),
    ("15 min", TIME_STEP, Q_(0.25, "h")),
    ("2 mg/mL", CONCENTRATION, Q_(2, "mg/mL")),
    ("2 mg/ml", CONCENTRATION, Q_(2, "mg/mL")),
    ("2 mg per mL", CONCENTRATION, Q_(2, "mg/mL")),
    ("2000 mcg/mL", CONCENTRATION, Q_(2, "mg/mL")),
    ("1 g/L", CONCENTRATION, Q_(1, "mg/mL")),
    ("22 mg/h", RATE, Q_(22, "mg/h")),
    ("22 mg/hr", RATE, Q_(22, "mg/h")),
    ("22 mg per hour", RATE, Q_(22, "mg/h")),
    # 0.5 mg/min x 60 min/h = 30 mg/h
    ("0.5 mg/min", RATE, Q_(30, "mg/h")),
    ("0.35 mg/kg/h", RATE_PER_KG, Q_(0.35, "mg/kg/h")),
    ("0.35 mg/h/kg", RATE_PER_KG, Q_(0.35, "mg/kg/h")),
    # 5.833 mcg/kg/min x 60 min/h / 1000 mcg/mg = 0.35 mg/kg/h
    ("5.833333333333333 mcg/kg/min", RATE_PER_KG, Q_(0.35, "mg/kg/h")),
    # 1 mg/lb/h / 0.45359237 kg/lb = 2.2046... mg/kg/h: converted knowingly, not misread
    ("1 mg/lb/h", RATE_PER_KG, Q_(1 / POUND_IN_KG, "mg/kg/h")),
    ("20 gtt/mL", DROP_FACTOR, Q_(20, "gtt/mL")),
    ("60 drops/mL", DROP_FACTOR, Q_(60, "gtt/mL")),
]


@pytest.mark.parametrize(("text", "spec", "expected"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepts_what_people_type(text: str, spec: QuantitySpec, expected: object) -> None:
    assert_quantity_close(parse_quantity(text, spec), expected)  # type: ignore[arg-type]


# One example per kind of mistake, with the exact message (issue: hardening).
REFUSED = [
    ("decimal comma", "70,5 kg", WEIGHT, "'70,5 kg' uses a decimal comma; write 70.5 kg"),
    (
        "thousands separator",
        "1,000 g",
        WEIGHT,
        "'1,000 g' has a comma, which could be a thousands separator or a decimal comma; write the number without "
        "commas, with a decimal point if needed, e.g. 70 kg",
    ),
    ("power", "9**9**9 kg", WEIGHT, "'9**9**9 kg' is an expression; expected one number and a unit, e.g. 70 kg"),
    ("caret power", "70^2 kg", WEIGHT, "'70^2 kg' is an expression; expected one number and a unit, e.g. 70 kg"),
    ("sum", "70+5 kg", WEIGHT, "'70+5 kg' is an expression; expected one number and a unit, e.g. 70 kg"),
    ("product", "2*35 kg", WEIGHT, "'2*35 kg' is an expression; expected one number and a unit, e.g. 70 kg"),
    (
        "nesting",
        "((((70)))) kg",
        WEIGHT,
        "'((((70)))) kg' is not a plain number with a unit; expected a body weight in kg, g or lb such as 70 kg",
    ),
    (
        "repeated unit",
        "70 kg kg",
        WEIGHT,
        "'70 kg kg' has more than one unit ('kg kg'); expected a body weight in kg, g or lb such as 70 kg",
    ),
    (
        "contradictory units",
        "70 kg lb",
        WEIGHT,
        "'70 kg lb' has more than one unit ('kg lb'); expected a body weight in kg, g or lb such as 70 kg",
    ),
    (
        "two numbers",
        "70 kg 5",
        WEIGHT,
        "'70 kg 5' has more than one number; expected a body weight in kg, g or lb such as 70 kg",
    ),
    ("nan", "nan kg", WEIGHT, "'nan kg' is not a finite number; expected a body weight in kg, g or lb such as 70 kg"),
    (
        "infinity",
        "inf kg",
        WEIGHT,
        "'inf kg' is not a finite number; expected a body weight in kg, g or lb such as 70 kg",
    ),
    (
        "enormous",
        "1e999 kg",
        WEIGHT,
        "'1e999 kg' is too large to be a real value; expected a body weight in kg, g or lb such as 70 kg",
    ),
    ("zero", "0 kg", WEIGHT, "'0 kg' is zero; expected a body weight in kg, g or lb such as 70 kg (more than zero)"),
    (
        "underflow to zero",
        "1e-999 kg",
        WEIGHT,
        "'1e-999 kg' is zero; expected a body weight in kg, g or lb such as 70 kg (more than zero)",
    ),
    (
        "negative",
        "-70 kg",
        WEIGHT,
        "'-70 kg' is negative; expected a body weight in kg, g or lb such as 70 kg (more than zero)",
    ),
    (
        "implausible",
        "700 kg",
        WEIGHT,
        "'700 kg' is outside the accepted range 0.3 to 650 kg; expected a body weight in kg, g or lb such as 70 kg",
    ),
    (
        "implausibly small",
        "70 g",
        WEIGHT,
        "'70 g' is outside the accepted range 0.3 to 650 kg; expected a body weight in kg, g or lb such as 70 kg",
    ),
    ("duration in mg", "4 mg", DURATION, "'4 mg' is a mass; expected a duration such as 4 h"),
    (
        "concentration in mg",
        "100 mg",
        CONCENTRATION,
        "'100 mg' is a mass; expected a concentration (mass per volume) such as 2 mg/mL or 100 mg in 50 mL",
    ),
    (
        "frequency for a per-kg rate",
        "0.35 /h",
        RATE_PER_KG,
        "'0.35 /h' has an empty part in its unit; expected a "
        "weight-based rate (mass per kg per time) such as 0.35 mg/kg/h",
    ),
    (
        "rate for a per-kg rate",
        "0.35 mg/h",
        RATE_PER_KG,
        "'0.35 mg/h' is a mass per time; expected a weight-based rate (mass per kg per time) such as 0.35 mg/kg/h",
    ),
    (
        "light-unit trap",
        "5 units/h",
        RATE,
        "'5 units/h' uses 'units': dosecalc doses by mass (mg, mcg); units are not supported",
    ),
    ("enzyme-unit trap", "5 U/h", RATE, "'5 U/h' uses 'U': dosecalc doses by mass (mg, mcg); units are not supported"),
    ("cc", "50 cc", DURATION, "'50 cc' uses 'cc': write mL, not cc"),
    ("micro sign", "5 µg/mL", CONCENTRATION, "'5 µg/mL' uses 'µg': write mcg, not µg"),
    (
        "unicode digits",
        "٧٠ kg",
        WEIGHT,
        "'٧٠ kg' contains ARABIC-INDIC DIGIT SEVEN (U+0667); use plain digits 0-9, e.g. 70 kg",
    ),
    (
        "fullwidth digits",
        "７０ kg",
        WEIGHT,
        "'７０ kg' contains FULLWIDTH DIGIT SEVEN (U+FF17); use plain digits 0-9, e.g. 70 kg",
    ),
    (
        "look-alike letter",
        "70 kг",
        WEIGHT,
        "'70 kг' contains CYRILLIC SMALL LETTER GHE (U+0433); type it with plain ASCII letters, e.g. 70 kg",
    ),
    (
        "very long",
        "7" * 100 + " kg",
        WEIGHT,
        "'" + "7" * 37 + "...' is too long (103 characters); expected a body weight in kg, g or lb such as 70 kg",
    ),
    ("empty", "", WEIGHT, "'' is empty; expected a body weight in kg, g or lb such as 70 kg"),
    ("blank", "   ", WEIGHT, "'   ' is empty; expected a body weight in kg, g or lb such as 70 kg"),
    (
        "shell metacharacters",
        "70 kg; rm -rf /",
        WEIGHT,
        "'70 kg; rm -rf /' contains ';', which is not part of a number or a unit; expected a body weight in kg, g or "
        "lb such as 70 kg",
    ),
    (
        "shell substitution",
        "$(echo 70) kg",
        WEIGHT,
        "'$(echo 70) kg' is not a plain number with a unit; expected a body weight in kg, g or lb such as 70 kg",
    ),
    ("no unit", "70", WEIGHT, "'70' has no unit; expected a body weight in kg, g or lb such as 70 kg"),
    ("no leading zero", ".5 h", DURATION, "'.5 h' has no leading zero; write 0.5 (e.g. 4 h)"),
    ("plus sign", "+70 kg", WEIGHT, "'+70 kg' has a '+' sign; write the number alone, e.g. 70 kg"),
    (
        "unknown unit",
        "70 stones",
        WEIGHT,
        "'70 stones' has an unknown unit 'stones'; expected a body weight in kg, g or lb such as 70 kg",
    ),
    (
        "control character",
        "70\x00 kg",
        WEIGHT,
        "'70\\u0000 kg' contains a control character; expected a body weight in kg, g or lb such as 70 kg",
    ),
    ("not text", 70, WEIGHT, "expected text such as '70 kg', got int 70"),
]


@pytest.mark.parametrize(("text", "spec", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refuses_with_a_message(text: str, spec: QuantitySpec, message: str) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_quantity(text, spec)
    assert str(caught.value) == message


def test_preparation_spelling_gives_amount_over_volume() -> None:
    # 100 mg / 50 mL = 2 mg/mL
    conc = parse_concentration("100 mg in 50 mL")
    assert_quantity_close(conc.value, Q_(2, "mg/mL"))
    assert conc.is_preparation
    assert_quantity_close(parse_concentration("2 mg/mL").value, Q_(2, "mg/mL"))
    assert not parse_concentration("2 mg/mL").is_preparation


@pytest.mark.parametrize(
    ("text", "amount_mg", "volume_ml"),
    [("500 mg/10 mL", 500, 10), ("500 mg / 10 mL", 500, 10), ("1 g per 20 mL", 1000, 20), ("0.5 g/10mL", 500, 10)],
    ids=["label", "spaced", "per", "grams"],
)
def test_label_strength_is_total_amount_over_total_volume(text: str, amount_mg: float, volume_ml: float) -> None:
    # a vial label's 500 mg/10 mL: 500 mg / 10 mL = 50 mg/mL, the same as the preparation spelling
    conc = parse_concentration(text)
    assert_quantity_close(conc.value, Q_(50, "mg/mL"))
    assert_quantity_close(conc.amount, Q_(amount_mg, "mg"))  # type: ignore[arg-type]
    assert_quantity_close(conc.volume, Q_(volume_ml, "mL"))  # type: ignore[arg-type]
    assert_quantity_close(parse_concentration("500 mg in 10 mL").value, conc.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("500 mg/10 mL/h", "'500 mg/10 mL/h' has more than one number"),
        ("500 mg/10", "'500 mg/10' has more than one number"),
        ("500 mg/10 kg", "'500 mg/10 kg' is not a preparation: '10 kg' is a mass; expected a volume such as 50 mL"),
        ("10 mL/500 mg", "'10 mL/500 mg' is not a preparation: '10 mL' is a volume"),
        ("5000 mg/1 mL", "'5000 mg/1 mL' gives a concentration outside 0.001 to 100 mg/mL"),
    ],
    ids=["a flow", "no volume unit", "mass below", "upside down", "implausible"],
)
def test_other_shapes_of_two_numbers_are_still_refused(text: str, message: str) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_concentration(text)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "100 mg in 50 kg",
            "'100 mg in 50 kg' is not a preparation: '50 kg' is a mass; expected a volume such as 50 mL",
        ),
        (
            "100 mg in 50 mL in 2 L",
            "'100 mg in 50 mL in 2 L' is not one preparation; expected a concentration (mass "
            "per volume) such as 2 mg/mL or 100 mg in 50 mL",
        ),
        ("5000 mg in 1 mL", "'5000 mg in 1 mL' gives a concentration outside 0.001 to 100 mg/mL"),
    ],
    ids=["volume in kg", "two preparations", "implausible concentration"],
)
def test_preparation_refusals(text: str, message: str) -> None:
    with pytest.raises(QuantityError) as caught:
        parse_concentration(text)
    assert str(caught.value) == message


SPECS = [WEIGHT, DURATION, TIME_STEP, RATE, RATE_PER_KG, CONCENTRATION, DROP_FACTOR]


def _outcome_is_sound(text: str, spec: QuantitySpec) -> None:
    """The law of the parser: a correct value in range, or a one-line QuantityError quoting the text."""
    try:
        q = parse_quantity(text, spec)
    except QuantityError as error:
        message = str(error)
        assert "\n" not in message
        assert message.startswith("'") or message.startswith("expected text")
        assert len(message) < 400
        return
    magnitude = float(q.to(spec.unit).magnitude)
    assert math.isfinite(magnitude)
    assert spec.low <= magnitude <= spec.high


@settings(max_examples=400, deadline=200, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=80), spec=st.sampled_from(SPECS))
@example(text="9**9**9**9 kg", spec=WEIGHT)
@example(text="(" * 60 + "70" + ")" * 60, spec=WEIGHT)
def test_any_text_is_read_correctly_or_refused(text: str, spec: QuantitySpec) -> None:
    _outcome_is_sound(text, spec)


NUMBERS = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)
UNIT_WORDS = [
    "kg",
    "g",
    "lb",
    "mg",
    "mcg",
    "h",
    "min",
    "s",
    "mL",
    "L",
    "gtt",
    "mg/h",
    "mg/kg/h",
    "mg/mL",
    "gtt/mL",
    "cc",
    "units",
    "U",
    "mg/kg",
    "/h",
    "kg/kg",
]
MUTATIONS = st.sampled_from(["", ",", ".", " ", "-", "+", "e", "**2", "/", "x", "\u00a0", "٣", "0", "(", ")"])


@settings(max_examples=400, deadline=200)
@given(
    number=NUMBERS,
    unit=st.sampled_from(UNIT_WORDS),
    spec=st.sampled_from(SPECS),
    mutation=MUTATIONS,
    where=st.integers(min_value=0, max_value=30),
)
def test_near_valid_text_is_read_correctly_or_refused(
    number: float, unit: str, spec: QuantitySpec, mutation: str, where: int
) -> None:
    text = f"{number:.6g} {unit}"
    where = min(where, len(text))
    _outcome_is_sound(text[:where] + mutation + text[where:], spec)


@settings(max_examples=200, deadline=200)
@given(kg=st.floats(min_value=0.31, max_value=649, allow_nan=False))
def test_weight_in_lb_or_g_gives_the_same_kg(kg: float) -> None:
    lb = kg / POUND_IN_KG
    # repr keeps every digit, so the lb text denotes the same weight to ~1e-16
    from_lb = parse_quantity(f"{lb!r} lb", WEIGHT)
    from_g = parse_quantity(f"{kg * 1000!r} g", WEIGHT)
    assert_quantity_close(from_lb, Q_(kg, "kg"), rtol=1e-12)
    assert_quantity_close(from_g, Q_(kg, "kg"), rtol=1e-12)


@given(
    value=st.floats(min_value=1e-6, max_value=1e6, allow_nan=False),
    pair=st.sampled_from(
        [("mg/h", "mg/min"), ("mcg/kg/min", "mg/kg/h"), ("lb", "kg"), ("min", "h"), ("mg/h", "mg/h"), ("g", "mg")]
    ),
)
def test_magnitude_in_is_the_same_float_as_pints_conversion(value: float, pair: tuple[str, str]) -> None:
    from dosecalc.units import magnitude_in

    given_unit, unit = pair
    q = Q_(value, given_unit)
    assert magnitude_in(q, unit) == q.to(unit).magnitude  # exactly: JSON keeps full precision


# ---- the engine's arithmetic: pint's figures, with each factor worked out once ------------------------------

# (a's unit, b's unit, the result's unit) of every product and quotient the dose arithmetic takes
PRODUCTS = [
    ("mg/kg/h", "kg", "mg/h"),
    ("mcg/kg/min", "kg", "mg/h"),
    ("mg/h", "h", "mg"),
    ("mL/h", "gtt/mL", "gtt/h"),
    ("mg/kg", "kg", "mg"),
    ("mg", "", "mg"),
]
QUOTIENTS = [
    ("mg", "h", "mg/h"),
    ("mg/h", "mg/mL", "mL/h"),
    ("mg", "mg/mL", "mL"),
    ("mg/h", "kg", "mg/kg/h"),
    ("mg", "kg", "mg/kg"),
    ("mg", "mL", "mg/mL"),
    ("mg", "min", "mg/h"),
]
MAGNITUDES = st.floats(1e-6, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200)
@given(units=st.sampled_from(PRODUCTS), a=MAGNITUDES, b=MAGNITUDES)
def test_product_is_pints_product_to_the_last_bit(units: tuple[str, str, str], a: float, b: float) -> None:
    one, other, unit = units
    expected = (Q_(a, one) * Q_(b, other)).to(unit)
    got = product(Q_(a, one), Q_(b, other), unit)
    assert got.magnitude == expected.magnitude and got.units == expected.units and type(got) is type(expected)


@settings(max_examples=200)
@given(units=st.sampled_from(QUOTIENTS), a=MAGNITUDES, b=MAGNITUDES)
def test_quotient_is_pints_quotient_to_the_last_bit(units: tuple[str, str, str], a: float, b: float) -> None:
    one, other, unit = units
    expected = (Q_(a, one) / Q_(b, other)).to(unit)
    got = quotient(Q_(a, one), Q_(b, other), unit)
    assert got.magnitude == expected.magnitude and got.units == expected.units


@given(a=MAGNITUDES, unit=st.sampled_from(["mg/h", "mg/min", "mcg/min", "g/h"]))
def test_to_is_pints_conversion_to_the_last_bit(a: float, unit: str) -> None:
    q = Q_(a, "mg/h")
    assert to(q, unit).magnitude == q.to(unit).magnitude and to(q, unit).units == q.to(unit).units
    assert quantity(a, unit) == Q_(a, unit) and vars(quantity(a, unit)) == vars(Q_(a, unit))


def test_arrays_go_through_the_same_arithmetic() -> None:
    weights = Q_(np.linspace(40.0, 150.0, 1001), "lb")
    rate = Q_(0.35, "mg/kg/h")
    assert np.array_equal(product(rate, to(weights, "kg"), "mg/h").magnitude, (rate * weights.to("kg")).to("mg/h").m)
    assert np.array_equal(
        quotient(Q_(80.0, "mg"), weights, "mg/kg").magnitude, (Q_(80.0, "mg") / weights).to("mg/kg").m
    )


def test_a_result_of_another_dimension_is_refused_every_time() -> None:
    for _ in range(2):  # no factor is kept for a conversion that failed
        with pytest.raises(pint.DimensionalityError):
            product(Q_(0.35, "mg/kg/h"), Q_(70.0, "kg"), "mL/h")
        with pytest.raises(pint.DimensionalityError):
            to(Q_(1.0, "mg"), "mL")


@given(st.lists(MAGNITUDES, min_size=1, max_size=6))
def test_summed_is_pints_sum_to_the_last_bit(values: list[float]) -> None:
    doses = [Q_(v, "mg") for v in values]
    expected = sum(doses[1:], doses[0]).to("mg")
    assert summed(doses, "mg").magnitude == expected.magnitude and summed(doses, "mg").units == expected.units


#: Rates per kg as cards write them, times a weight, as the phased problems work them (the reduced units of each:
#: mcg/min, mg/h, mg/min...), and a product pint leaves as one unit.
REDUCED = [
    ("mcg/kg/min", "kg"),
    ("mg/kg/h", "kg"),
    ("mg/kg/min", "kg"),
    ("mcg/kg/h", "kg"),
    ("mcg/kg/min", "lb"),
    ("mg/h", "h"),
    ("mg/kg", "kg"),
]


@settings(max_examples=200)
@given(units=st.sampled_from(REDUCED), a=MAGNITUDES, b=MAGNITUDES)
def test_reduced_product_is_pints_reduced_product_to_the_last_bit(units: tuple[str, str], a: float, b: float) -> None:
    one, other = units
    expected = (Q_(a, one) * Q_(b, other)).to_reduced_units()
    got = reduced_product(Q_(a, one), Q_(b, other))
    assert got.magnitude == expected.magnitude and got.units == expected.units and type(got) is type(expected)
