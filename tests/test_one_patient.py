"""One patient's figures on floats (dosing._one_patient) against the quantity path they replace for one patient:
the same floats to the last bit, the same notes and the same output, for every kind of card and what-if."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dosecalc.dosing import DoseFigures, Plan, WhatIf, _calculate_quantities, calculate, make_plan
from dosecalc.errors import RegimenError
from dosecalc.regimens import Catalogue, load_catalogue
from dosecalc.render.data import json_text
from dosecalc.results import DoseTable
from dosecalc.units import Q_, Concentration, Quantity

from .test_drugs import HARD

#: A teacher's drug with a hard and a soft limit on the rate per kg (the drug tests' own).
TEACHIUM = HARD

_SOURCE = '\n[[sources]]\ncitation = "Course handout"\nsays = "A teaching regimen."\n'

#: A teacher's drug limited on the plain rate: a hard limit written per minute (1.2 mg/min = 72 mg/h) and soft
#: limits on the rate and the rate per kg, so the float path's mg/h limit checks run too.
RATELIUM = """\
name = "ratelium"
title = "Ratelium (a classroom drug)"
models = []

[[limits]]
level = "hard"
above = "1.2 mg/min"
source = { citation = "Course handout, week 4", says = "Never above 1.2 mg/min." }

[[limits]]
level = "soft"
above = "30 mg/h"
source = { citation = "Course handout, week 4", says = "Take care above 30 mg/h." }

[[limits]]
level = "soft"
above = "0.3 mg/kg/h"
source = { citation = "Course handout, week 4", says = "Take care above 0.3 mg/kg/h." }
"""

#: Teacher's cards whose doses are written in units other than the canonical ones (a factor that is not 1 in
#: each step), one under the teachium limits, and a phased card with a titration.
TEACHER_CARDS = {
    "per-minute.toml": 'id = "teach-mcg-kg-min"\ntitle = "t"\nindication = "i"\ndrug = "teachium"\n'
    'kind = "weight-based-rate"\nrate_per_kg = "20 mcg/kg/min"\nduration = "90 min"\nsessions = 3\n'
    'max_rate = "1.5 mg/min"\n',
    "grams.toml": 'id = "teach-grams"\ntitle = "t"\nindication = "i"\nkind = "fixed-total"\n'
    'total_dose = "0.08 g"\nduration = "150 min"\nsessions = 2\n'
    '[preparation]\namount = "0.5 g"\nvolume = "0.25 L"\n',
    "per-kg-total.toml": 'id = "teach-per-kg-total"\ntitle = "t"\nindication = "i"\nkind = "weight-based-total"\n'
    'total_dose_per_kg = "700 mcg/kg"\nduration = "45 min"\nsessions = 1\nmax_rate = "40 mg/h"\n',
    "ratelium.toml": 'id = "teach-ratelium"\ntitle = "t"\nindication = "i"\ndrug = "ratelium"\n'
    'kind = "weight-based-rate"\nrate_per_kg = "0.4 mg/kg/h"\nduration = "2 h"\nsessions = 1\n',
    "fixed.toml": 'id = "teach-fixed"\ntitle = "t"\nindication = "i"\nkind = "fixed-rate"\n'
    'rate = "0.4 mg/min"\nduration = "3 h"\nsessions = 5\n',
    "phased.toml": 'id = "teach-phases"\ntitle = "t"\nindication = "i"\ndrug = "ketamine"\nkind = "phased"\n'
    'duration = "4 h"\nsessions = 1\n[[phases]]\ntype = "bolus"\ndose_per_kg = "0.2 mg/kg"\nover = "30 min"\n'
    '[[phases]]\ntype = "titration"\nstart_rate = "10 mg/h"\nstep = "5 mg/h"\nevery = "15 min"\n'
    'max_rate = "20 mg/h"\nduration = "1 h"\n[[phases]]\ntype = "infusion"\nrate_per_kg = "0.2 mg/kg/h"\n',
    "bolus-over.toml": 'id = "teach-bolus-over"\ntitle = "t"\nindication = "i"\ndrug = "ketamine"\nkind = "phased"\n'
    'duration = "3 h"\nsessions = 2\n[[phases]]\ntype = "bolus"\ndose = "0.02 g"\nover = "20 min"\n'
    '[[phases]]\ntype = "infusion"\nrate = "18 mg/h"\nduration = "1 h"\n'
    '[[phases]]\ntype = "bolus"\ndose_per_kg = "150 mcg/kg"\n',
}


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    """The built-in cards and the teacher's cards above, with the teachium drug file."""
    folder = tmp_path_factory.mktemp("cards")
    for name, text in TEACHER_CARDS.items():
        (folder / name).write_text(text + _SOURCE, encoding="utf-8")
    (folder / "drugs").mkdir()
    (folder / "drugs" / "teachium.toml").write_text(TEACHIUM, encoding="utf-8")
    (folder / "drugs" / "ratelium.toml").write_text(RATELIUM, encoding="utf-8")
    return load_catalogue(Path(folder))


def _bits(value: Any) -> Any:
    """A figure as what must match to the last bit: a quantity's units, its magnitude's type and the float's
    exact hexadecimal form; tuples and named tuples item by item; anything else as it is."""
    if isinstance(value, Q_):
        magnitude = value.magnitude
        number = float(magnitude)
        return (str(value.units), type(magnitude).__name__, number.hex() if math.isfinite(number) else repr(number))
    if isinstance(value, tuple):
        return tuple(_bits(item) for item in value)
    return value


def _outcome(plan: Plan, weight: Quantity, fast: bool) -> Any:
    try:
        figures = calculate(plan, weight) if fast else _calculate_quantities(plan, weight, False)
    except RegimenError as error:
        return ("refused", str(error), error.field)
    return figures


def _fields(figures: DoseFigures) -> Iterator[tuple[str, Any]]:
    for name in DoseFigures._fields:
        if name != "plan":
            yield name, _bits(getattr(figures, name))


WEIGHTS = st.tuples(
    st.floats(min_value=0.3, max_value=650.0, allow_nan=False, allow_infinity=False),
    st.sampled_from(["kg", "lb", "g"]),
).map(lambda pair: Q_(pair[0] / {"kg": 1.0, "lb": 0.45359237, "g": 0.001}[pair[1]], pair[1]))
WHOLE_WEIGHTS = st.integers(min_value=1, max_value=650).map(lambda kg: Q_(kg, "kg"))
CONCENTRATIONS = st.one_of(
    st.none(),
    st.floats(min_value=0.01, max_value=100).map(lambda c: Concentration(Q_(c, "mg/mL"))),
    st.floats(min_value=0.5, max_value=5000).map(lambda c: Concentration(Q_(c, "mcg/mL"))),
    st.tuples(st.integers(min_value=1, max_value=1000), st.sampled_from([10, 50, 250, 500])).map(
        lambda p: Concentration(Q_(p[0], "mg") / Q_(p[1], "mL"), Q_(p[0], "mg"), Q_(p[1], "mL"))
    ),
)
WHAT_IFS = st.builds(
    WhatIf,
    duration=st.one_of(st.none(), st.sampled_from([Q_(6.5, "h"), Q_(300, "min"), Q_(2, "d"), Q_(45.0, "min")])),
    concentration=CONCENTRATIONS,
    drop_factor=st.one_of(st.none(), st.sampled_from([Q_(20, "gtt/mL"), Q_(60.0, "gtt/mL"), Q_(15000, "gtt/L")])),
    sessions=st.one_of(st.none(), st.integers(min_value=1, max_value=365)),
    max_rate=st.one_of(st.none(), st.floats(min_value=0.001, max_value=1000).map(lambda r: Q_(r, "mg/h"))),
    no_cap=st.booleans(),
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), weight=st.one_of(WEIGHTS, WHOLE_WEIGHTS), what_if=WHAT_IFS)
def test_one_patient_on_floats_gives_the_quantity_paths_figures_to_the_last_bit(
    catalogue: Catalogue, data: st.DataObject, weight: Quantity, what_if: WhatIf
) -> None:
    card = data.draw(st.sampled_from(list(catalogue.cards.values())), label="card")
    if what_if.max_rate is not None:
        what_if = what_if._replace(no_cap=False)
    try:
        plan = make_plan(card, what_if, catalogue.drugs)
    except RegimenError:  # a duration below the card's minimum: no figures on either path
        return
    fast, reference = _outcome(plan, weight, True), _outcome(plan, weight, False)
    if not isinstance(reference, DoseFigures):  # a hard limit crossed: the same refusal
        assert fast == reference
        return
    assert isinstance(fast, DoseFigures), fast
    assert fast.plan is reference.plan
    assert dict(_fields(fast)) == dict(_fields(reference))
    # the notes (worked out once per plan) and every output built on the figures, byte for byte
    for brief in (True, False):
        ours, theirs = DoseTable(((_patient(weight), (fast,)),), brief), DoseTable(((_patient(weight), (reference,)),))
        theirs.brief = brief
        assert json_text(ours) == json_text(theirs)
        for form in ("table", "markdown", "html", "csv"):
            assert ours.as_text(form, width=100) == theirs.as_text(form, width=100)


def _patient(weight: Quantity) -> Any:
    from dosecalc.dosing import Patient

    return Patient(weight.to("kg"), f"{weight.magnitude!r} {weight.units:~}", weight)


def test_the_same_what_if_gives_the_same_plan_and_another_unit_another_plan(catalogue: Catalogue) -> None:
    card = catalogue.get("rate-0.35-mg-kg-h")
    one = make_plan(card, WhatIf(duration=Q_(1.0, "h")), catalogue.drugs)
    assert make_plan(card, WhatIf(duration=Q_(1.0, "h")), catalogue.drugs) is one
    # 60 min is the same time but written otherwise: a plan of its own (its words may differ)
    assert make_plan(card, WhatIf(duration=Q_(60.0, "min")), catalogue.drugs) is not one
    # an int magnitude is not keyed as the float
    assert make_plan(card, WhatIf(duration=Q_(1, "h")), catalogue.drugs) is not one
    assert make_plan(card, WhatIf(duration=Q_(1.0, "h"), no_cap=True), catalogue.drugs) is not one
    # 0.35 mg/kg/h x 70 kg = 24.5 mg/h; x 1 h = 24.5 mg
    figures = calculate(one, Q_(70.0, "kg"))
    assert figures.total_dose.to("mg").magnitude == pytest.approx(24.5, rel=1e-12)
    # the first patient's plan is not the next one's: 0.35 x 80 = 28 mg/h, capped at 25 mg/h
    assert calculate(one, Q_(80.0, "kg")).rate.to("mg/h").magnitude == pytest.approx(25.0, rel=1e-12)


def test_a_rate_limit_in_mg_per_min_is_checked_alike_on_both_paths(catalogue: Catalogue) -> None:
    plan = make_plan(catalogue.get("teach-ratelium"), WhatIf(), catalogue.drugs)
    # 0.4 mg/kg/h x 150 kg = 60 mg/h: under the hard 72 mg/h (1.2 mg/min x 60), above both soft limits
    ok = calculate(plan, Q_(150.0, "kg"))
    assert dict(_fields(ok)) == dict(_fields(_calculate_quantities(plan, Q_(150.0, "kg"), False)))
    assert ok.rate.to("mg/h").magnitude == pytest.approx(60.0, rel=1e-12)
    # x 190 kg = 76 mg/h: above 72 mg/h, refused on both paths alike
    fast, reference = _outcome(plan, Q_(190.0, "kg"), True), _outcome(plan, Q_(190.0, "kg"), False)
    assert fast[0] == "refused" and fast == reference


def test_a_plan_whose_duration_is_in_minutes_is_worked_out_in_minutes(catalogue: Catalogue) -> None:
    # make_plan keeps durations in hours; a plan made by hand may not, and the float path follows its unit
    base = make_plan(catalogue.get("rate-0.35-mg-kg-h"), WhatIf(), catalogue.drugs)
    plan = base._replace(duration=Q_(90.0, "min"))
    figures = calculate(plan, Q_(70.0, "kg"))
    # 0.35 mg/kg/h x 70 kg = 24.5 mg/h; x 90 min = 1.5 h, so 36.75 mg
    assert figures.total_dose.to("mg").magnitude == pytest.approx(36.75, rel=1e-12)
    assert dict(_fields(figures)) == dict(_fields(_calculate_quantities(plan, Q_(70.0, "kg"), False)))
    total = make_plan(catalogue.get("total-80-mg-5-h"), WhatIf(), catalogue.drugs)._replace(duration=Q_(240.0, "min"))
    # 80 mg over 240 min = 4 h: 20 mg/h
    assert calculate(total, Q_(70.0, "kg")).rate.to("mg/h").magnitude == pytest.approx(20.0, rel=1e-12)
