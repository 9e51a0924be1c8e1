"""Exercise sets: reproducible, answers re-derived by plain arithmetic, levels, marking, conventions."""

from __future__ import annotations

import csv
import io
import math
import os
import re
import subprocess
import sys
import tomllib
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dosecalc
from dosecalc import api
from dosecalc.errors import DoseCalcError
from dosecalc.regimens import builtin_dir, load_catalogue
from dosecalc.teaching.exercises import KINDS, deck, generate
from dosecalc.teaching.sheets import METHODS, PROFILES, Convention, decode, fingerprint, sheet_cards

from ..helpers import GOOD, ISSUE_17_IDS, ISSUE_26_IDS, SEED_IDS, run

CARDS = list(load_catalogue().cards.values())
#: The four seed cards, for golden sheets worked by hand before the later cards were built in.
SEED_CARDS = [load_catalogue().cards[card_id] for card_id in SEED_IDS]
RAW = {data["id"]: data for data in (tomllib.loads(p.read_text("utf-8")) for p in builtin_dir().glob("*.toml"))}


def first_number(text: str) -> float:
    return float(text.split()[0])


def rounded(value: float, places: int) -> float:
    return float(Decimal(f"{value:.12g}").quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def kilograms(text: str, convention: Convention) -> float:
    """A weight as the problem gives it, in kg by the sheet's pound (rounded to 0.1 kg first if it says so)."""
    number, unit = text.split()
    if unit == "kg":
        return float(number)
    kg = float(number) / 2.2 if convention.pound == "2.2" else float(number) * 0.45359237
    return rounded(kg, 1) if convention.round_weight else kg


def mg_per_ml(text: str) -> float:
    """``100 mg in 50 mL`` is 100 / 50; ``0.5 mg/mL`` is 0.5."""
    parts = text.split()
    return float(parts[0]) / float(parts[3]) if " in " in text else float(parts[0])


def independent(problem, convention: Convention, raw: dict[str, dict] = RAW) -> float:  # type: ignore[no-untyped-def,type-arg]
    """The answer from the card file and the problem's givens, by plain float arithmetic."""
    given = problem.inputs
    kind = problem.kind
    if kind == "concentration":
        return given["amount_mg"] / given["volume_ml"]
    if kind == "time-to-infuse":
        return given["bag_ml"] / given["pump_rate_ml_h"]
    if kind == "pump-rate-from-mg-min":
        return given["order_mg_min"] * 60 / mg_per_ml(given["concentration"])
    if kind == "pump-rate-from-mcg-kg-min":
        mcg_per_min = given["order_mcg_kg_min"] * kilograms(given["weight"], convention)
        return mcg_per_min / 1000 * 60 / mg_per_ml(given["concentration"])
    if kind == "mcg-kg-min-from-pump-rate":
        mg_per_h = given["pump_rate_ml_h"] * mg_per_ml(given["concentration"])
        return mg_per_h / kilograms(given["weight"], convention) * 1000 / 60
    card = raw[problem.regimen]
    if card["kind"] == "phased":
        return phased(problem, card, convention)
    if kind == "mcg-kg-min":
        return first_number(card["rate_per_kg"]) * 1000 / 60
    kg = 70.0 if given["weight"] is None else kilograms(given["weight"], convention)
    hours = given["duration_min"] / 60 if "duration_min" in given else given["duration_h"]
    card_kind = card["kind"]
    if card_kind == "fixed-rate":
        uncapped = first_number(card["rate"])
        planned = uncapped * hours
    elif card_kind == "weight-based-rate":
        uncapped = first_number(card["rate_per_kg"]) * kg
        planned = uncapped * hours
    elif card_kind == "fixed-total":
        planned = first_number(card["total_dose"])
        uncapped = planned / hours
    else:
        planned = first_number(card["total_dose_per_kg"]) * kg
        uncapped = planned / hours
    rate = min(uncapped, first_number(card["max_rate"])) if "max_rate" in card else uncapped
    total = planned if rate == uncapped else rate * hours
    conc = None if given.get("concentration") is None else mg_per_ml(given["concentration"])
    if problem.unit == "mg/min":
        return rate / 60
    return {
        "rate": lambda: rate,
        "total_dose": lambda: total,
        "planned_total_dose": lambda: planned,
        "pump_rate": lambda: rate / conc,
        "volume": lambda: total / conc,
        "drip_rate": lambda: rate / conc * given["drop_factor"] / 60,
        "course_total_dose": lambda: total * given["sessions"],
    }[problem.figure]()


def per_kg_mg_h(text: str) -> float:
    """A rate per kg as a card writes it, in mg/kg/h: ``10 mcg/kg/min`` is 10 / 1000 * 60."""
    number, unit = float(text.split()[0]), text.split()[1]
    return number * {"mg/kg/h": 1.0, "mcg/kg/min": 60 / 1000, "mg/kg/min": 60.0, "mcg/kg/h": 1 / 1000}[unit]


def phased(problem, card: dict, convention: Convention) -> float:  # type: ignore[no-untyped-def,type-arg]
    """A phased card's answer from its file: each bolus mg/kg x kg, each infusion's rate per kg x kg, and the
    session's total as the boluses plus each infusion's mg/h x its hours (the last to the end of the session)."""
    given = problem.inputs
    kg = kilograms(given["weight"], convention)
    phases = card["phases"]
    if problem.kind == "bolus-dose":
        return first_number(phases[given["phase"] - 1]["dose_per_kg"]) * kg
    if problem.kind in ("infusion-rate", "infusion-pump-rate"):
        mg_h = per_kg_mg_h(phases[given["phase"] - 1]["rate_per_kg"]) * kg
        return mg_h if problem.kind == "infusion-rate" else mg_h / mg_per_ml(given["concentration"])
    assert problem.kind == "session-total", problem.kind
    hours = [first_number(p["duration"]) for p in phases if "duration" in p]  # stated in h on these cards
    total, left = 0.0, given["duration_h"] - sum(hours)
    for phase in phases:
        if phase["type"] == "bolus":
            total += first_number(phase["dose_per_kg"]) * kg
        else:
            length = first_number(phase["duration"]) if "duration" in phase else left
            total += per_kg_mg_h(phase["rate_per_kg"]) * kg * length
    return total


#: Decimal places of each unit's answers under the default rounding (mL/h varies with the profile).
PLACES = {"mg": 1, "mg/h": 1, "mg/min": 2, "mL": 1, "gtt/min": 0, "mcg/kg/min": 2, "mg/mL": 2, "h": 1}

conventions = st.builds(
    Convention,
    pound=st.sampled_from(["exact", "2.2"]),
    round_weight=st.booleans(),
    method=st.sampled_from(["dimensional", "formula", "ratio"]),
    rounding=st.sampled_from([Convention().rounding, PROFILES["whole-ml-h"].rounding]),
)


def check_answers(problems, convention: Convention, raw: dict[str, dict] = RAW) -> None:  # type: ignore[no-untyped-def,type-arg]
    pump = 0 if dict(convention.rounding)["mL/h"] == Decimal("1") else 1
    for problem in problems:
        expected = independent(problem, convention, raw)
        assert problem.exact == pytest.approx(expected, rel=1e-9), problem
        assert problem.answer == rounded(expected, pump if problem.unit == "mL/h" else PLACES[problem.unit]), problem


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), level=st.sampled_from([None, 1, 2, 3]), convention=conventions)
def test_every_answer_re_derived_by_plain_arithmetic(seed: int, level: int | None, convention: Convention) -> None:
    check_answers(generate(CARDS, 12, seed, level, convention), convention)


def test_every_kind_of_problem_is_made_and_re_derived() -> None:
    made = set()
    for seed in range(8):
        for level in (1, 2, 3):
            problems = generate(CARDS, 24, seed, level, Convention())
            check_answers(problems, Convention())
            made |= {(p.level, p.kind) for p in problems}
    assert made == {(kind.level, kind.id) for level in (1, 2, 3) for kind in deck(CARDS, level)}
    assert len(made) == len(KINDS)  # the built-in cards (a weight-based total and a phased card among them) allow all


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_levels_have_the_promised_number_of_factors(seed: int) -> None:
    for level in (1, 2, 3):
        for problem in generate(CARDS, 9, seed, level, Convention()):
            assert problem.level == level
            if level == 3:
                assert problem.factors >= 3, problem.steps
            else:
                assert problem.factors == level, problem.steps


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), level=st.sampled_from([1, 2, 3]))
def test_no_kind_comes_up_much_more_often_than_another(seed: int, level: int) -> None:
    kinds = {kind.id for kind in deck(CARDS, level)}
    counts = Counter(p.kind for p in generate(CARDS, 12, seed, level, Convention()))
    assert set(counts) <= kinds
    assert max(counts.values()) <= math.ceil(12 / len(kinds)) + 1, counts
    if len(kinds) <= 12:
        assert set(counts) == kinds  # a deck of at most 12 kinds is drawn whole in 12 problems


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32), level=st.sampled_from([None, 1, 2, 3]), count=st.integers(1, 30))
def test_problem_n_is_the_same_for_any_count(seed: int, level: int | None, count: int) -> None:
    assert generate(CARDS, count, seed, level, Convention()) == generate(CARDS, 30, seed, level, Convention())[:count]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), level=st.sampled_from([None, 1, 2, 3]), convention=conventions)
def test_every_common_error_gives_another_answer_than_the_key(
    seed: int, level: int | None, convention: Convention
) -> None:
    for problem in generate(CARDS, 12, seed, level, convention):
        for text, value in problem.errors:
            assert text and rounded(value, problem.places) != problem.answer, (problem, text)
        assert len({rounded(v, problem.places) for _, v in problem.errors}) == len(problem.errors)


def test_the_common_errors_are_the_values_those_errors_give() -> None:
    seen = set()
    for seed in range(40):
        for problem in generate(CARDS, 12, seed, 3, Convention()):
            errors = dict(problem.errors)
            weight = problem.inputs["weight"]
            if "the weight in pounds used as kilograms" in errors:
                pounds_as_kg = problem._replace(inputs={**problem.inputs, "weight": weight.replace("lb", "kg")})
                assert errors["the weight in pounds used as kilograms"] == pytest.approx(
                    independent(pounds_as_kg, Convention()), rel=1e-9
                )
                seen.add("pounds")
            if "the rate cap ignored" in errors:
                raw = {problem.regimen: {k: v for k, v in RAW[problem.regimen].items() if k != "max_rate"}}
                assert errors["the rate cap ignored"] == pytest.approx(
                    independent(problem, Convention(), raw), rel=1e-9
                )
                seen.add("cap")
            if "the dose of one session given instead of the course total" in errors:
                per_session = errors["the dose of one session given instead of the course total"]
                assert per_session * problem.inputs["sessions"] == pytest.approx(problem.exact, rel=1e-9)
                seen.add("course")
    assert seen == {"pounds", "cap", "course"}


def test_the_cap_binds_on_some_problems_and_not_on_others() -> None:
    binds = Counter()
    for seed in range(30):
        for problem in generate(CARDS, 12, seed, 1, Convention()):
            if problem.kind == "rate-from-mg-kg-h":
                binds["the rate cap ignored" in dict(problem.errors)] += 1
    assert binds[True] >= 3 and binds[False] >= 3, binds


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), level=st.sampled_from([None, 1, 2, 3]))
def test_questions_name_no_card_and_count_sessions_in_words(seed: int, level: int | None) -> None:
    for problem in generate(CARDS, 12, seed, level, Convention()):
        assert not any(card.id in problem.question or card.title in problem.question for card in CARDS)
        # "regimen" only in the words of a documented regimen ("the regimen gives ..."), never naming a card
        plain = re.sub(r"\b[Tt]he regimen gives\b", "", problem.question)
        assert "(s)" not in problem.question and "regimen" not in plain, problem.question
        assert not re.search(r"\b1 sessions\b|\b([02-9]|\d\d+) session\b", problem.question), problem.question
        assert problem.question.endswith(f"in {problem.unit}?"), problem.question


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32), level=st.sampled_from([None, 1, 2, 3]))
def test_the_methods_give_the_same_answers_and_questions(seed: int, level: int | None) -> None:
    sheets = {method: generate(CARDS, 12, seed, level, Convention(method=method)) for method in METHODS}
    for problems in zip(*sheets.values(), strict=True):
        assert len({(p.question, p.exact, p.answer, p.factors) for p in problems}) == 1
        by = dict(zip(sheets, problems, strict=True))
        for dimensional, formula, ratio in zip(*(by[m].steps for m in METHODS), strict=True):
            if dimensional.startswith(("pump rate:", "volume per session:")):
                assert re.fullmatch(r"[a-z ]+: \(.+ ÷ .+\) × .+ = .+", formula), formula
                assert re.fullmatch(r"[a-z ]+: .+ : .+ = .+ : x .+, x = .+", ratio), ratio
                assert formula.split(" = ")[-1] == ratio.split("x = ")[-1] == dimensional.split(" = ")[-1]
            else:
                assert dimensional == formula == ratio


def test_formula_and_ratio_steps_by_hand() -> None:
    # 22 mg/h from 100 mg in 50 mL: (22 mg/h ÷ 100 mg) × 50 mL = 11 mL/h; 100 mg : 50 mL = 22 mg/h : x mL/h
    from dosecalc.dosing import Step
    from dosecalc.teaching.exercises import _lines
    from dosecalc.units import Q_, parse_concentration

    preparation = parse_concentration("100 mg in 50 mL")
    step = Step("pump_rate", (Q_(22.0, "mg/h"), Q_(2.0, "mg/mL")), ("/",), Q_(11.0, "mL/h"))
    assert _lines([step], "formula", preparation) == ("pump rate: (22 mg/h ÷ 100 mg) × 50 mL = 11 mL/h",)
    assert _lines([step], "ratio", preparation) == ("pump rate: 100 mg : 50 mL = 22 mg/h : x mL/h, x = 11 mL/h",)
    assert _lines([step], "dimensional", preparation) == ("pump rate: 22 mg/h ÷ 2 mg/mL = 11 mL/h",)


def test_golden_problems_worked_by_hand() -> None:
    level_1 = generate(SEED_CARDS, 12, 7, 1, Convention())
    bag = level_1[1]
    assert bag.question == "A 250 mL bag runs at 41 mL/h. How long does it take to infuse, in h?"
    # 250 mL ÷ 41 mL/h = 6.0976 h, rounded half up to 0.1 h: 6.1 h
    assert (bag.kind, bag.exact, bag.answer) == ("time-to-infuse", pytest.approx(6.0975609756), 6.1)
    order = generate(SEED_CARDS, 12, 7, 2, Convention())[11]
    assert order.question == (
        "The regimen gives an infusion of 0.75 mg/min from a solution of 0.5 mg/mL. What is the pump rate, in mL/h?"
    )
    # 0.75 mg/min × 60 min/h = 45 mg/h; 45 mg/h ÷ 0.5 mg/mL = 90 mL/h
    assert (order.kind, order.answer, order.factors) == ("pump-rate-from-mg-min", 90.0, 2)
    # multiplying by the concentration instead: 45 mg/h × 0.5 mg/mL = 22.5
    assert order.errors == (("multiplied by the concentration instead of dividing", pytest.approx(22.5)),)
    pounds = generate(SEED_CARDS, 12, 7, 3, Convention())[1]
    assert pounds.question.startswith(
        "For a patient weighing 117 lb, the regimen gives 0.35 mg/kg/h for 8 h, the rate capped"
    )
    # 117 lb × 0.45359237 kg/lb = 53.0703 kg; × 0.35 mg/kg/h = 18.5746 mg/h (below the 25 mg/h cap);
    # ÷ 2 mg/mL = 9.2873 mL/h, rounded 9.3 mL/h. Pounds taken as kg: 117 × 0.35 = 40.95 mg/h, capped at 25
    # mg/h: 12.5 mL/h.
    assert (pounds.kind, pounds.answer, pounds.exact) == ("pump-rate-from-lb", 9.3, pytest.approx(9.28730377575))
    assert dict(pounds.errors)["the weight in pounds used as kilograms"] == pytest.approx(12.5)


def test_golden_phased_problems_worked_by_hand() -> None:
    # seed 0 over the built-in cards: the bolus-then-infusion card (0.5 mg/kg, then 10 mcg/kg/min)
    card = (
        "a bolus of 0.5 mg/kg at once, then an infusion of 10 mcg/kg/min to the end of the session; the session lasts"
    )
    bolus = generate(CARDS, 12, 0, 1, Convention())[9]
    assert (
        bolus.question
        == f"For a patient weighing 55.3 kg, the regimen gives {card} 8 h. What is the bolus dose, in mg?"
    )
    # 0.5 mg/kg × 55.3 kg = 27.65 mg, rounded half up 27.7 mg; the mg/kg figure given as mg: 0.5
    assert (bolus.kind, bolus.exact, bolus.answer, bolus.factors) == ("bolus-dose", pytest.approx(27.65), 27.7, 1)
    assert bolus.errors == (("the dose per kg given unchanged", pytest.approx(0.5)),)
    rate = generate(CARDS, 12, 0, 2, Convention())[0]
    assert rate.question.startswith(f"For a patient weighing 82.6 kg, the regimen gives {card} 7 h. At what rate")
    # 10 mcg/kg/min × 82.6 kg = 826 mcg/min; × 60 min/h = 49,560 mcg/h; ÷ 1000 mcg/mg = 49.56 mg/h -> 49.6
    assert (rate.kind, rate.exact, rate.answer, rate.factors) == ("infusion-rate", pytest.approx(49.56), 49.6, 2)
    assert rate.steps == (
        "rate: 10 mcg/kg/min × 82.6 kg = 826 mcg/min",
        "rate: 826 mcg/min × 60 min/h ÷ 1,000 mcg/mg = 49.56 mg/h",
        # the sheet rounds only the final answer, in a last step of its own: 49.56 to 0.1 mg/h is 49.6
        "answer, rounded half up to 0.1 mg/h: 49.56 mg/h ≈ 49.6 mg/h",
    )
    # mcg read as mg: 49,560 mg/h; the weight left out: 10 × 60 / 1000 = 0.6 mg/h
    assert dict(rate.errors) == {
        "mcg taken as mg (1000 times too much)": pytest.approx(49560),
        "the weight left out (per kg, not for this patient)": pytest.approx(0.6),
    }
    level_3 = generate(CARDS, 12, 0, 3, Convention())
    pump = level_3[2]
    assert pump.question.endswith(
        "1 h. The infusion is made up as a solution of 2 mg/mL. What is its pump rate, in mL/h?"
    )
    # 10 × 110 kg = 1,100 mcg/min; × 60 ÷ 1000 = 66 mg/h; ÷ 2 mg/mL = 33 mL/h
    assert (pump.kind, pump.exact, pump.answer) == ("infusion-pump-rate", pytest.approx(33), 33.0)
    total = level_3[6]
    assert total.question.startswith(
        f"For a patient weighing 166 lb, the regimen gives {card} 8 h. What is the total dose"
    )
    # 166 lb × 0.45359237 kg/lb = 75.29633 kg; bolus 0.5 × 75.29633 = 37.64817 mg; infusion 10 × 75.29633 × 60
    # / 1000 = 45.17780 mg/h × 8 h = 361.42240 mg; total 399.07057 mg -> 399.1 mg
    assert (total.kind, total.exact, total.answer) == ("session-total", pytest.approx(399.0705671), 399.1)
    # the bolus left out: 361.4224 mg; pounds as kg: 0.5 × 166 + 10 × 166 × 60 / 1000 × 8 = 83 + 796.8 = 879.8 mg
    assert dict(total.errors)["the bolus left out of the total"] == pytest.approx(361.4224004)
    assert dict(total.errors)["the weight in pounds used as kilograms"] == pytest.approx(879.8)
    # the infusion's mcg read as mg: 37.64817 + 361.42240 x 1000 = 361,460.04858 mg
    assert dict(total.errors)["mcg taken as mg in the infusion (1000 times too much)"] == pytest.approx(361460.04858)


TEACHER_CARDS = {
    "capped-rate": 'kind = "fixed-rate"\nrate = "30 mg/h"\nmax_rate = "40 mg/h"\nduration = "3 h"\nsessions = 1',
    "capped-total": 'kind = "fixed-total"\ntotal_dose = "90 mg"\nmax_rate = "20 mg/h"\nduration = "6 h"\n'
    'minimum_duration = "3 h"\nsessions = 3',
    "per-kg-total": 'kind = "weight-based-total"\ntotal_dose_per_kg = "1.5 mg/kg"\nmax_rate = "60 mg/h"\n'
    'duration = "2 h"\nsessions = 5',
    "per-kg-rate": 'kind = "weight-based-rate"\nrate_per_kg = "0.2 mg/kg/h"\nduration = "5 h"\nsessions = 1',
    # a bolus, an hour at 0.5 mg/kg/h (no conversion: only the session's total asks about it), then 2 mcg/kg/min
    "bolus-then-two-rates": 'kind = "phased"\nduration = "4 h"\nsessions = 1\n'
    '[[phases]]\ntype = "bolus"\ndose_per_kg = "1 mg/kg"\n'
    '[[phases]]\ntype = "infusion"\nrate_per_kg = "0.5 mg/kg/h"\nduration = "1 h"\n'
    '[[phases]]\ntype = "infusion"\nrate_per_kg = "2 mcg/kg/min"',
}


def test_cards_of_every_kind_a_teacher_may_write(tmp_path: Path) -> None:
    raw = {}
    for name, body in TEACHER_CARDS.items():
        text = f'id = "{name}"\ntitle = "Teaching card"\nindication = "Classroom"\n{body}\n'
        text += '[[sources]]\ncitation = "Course handout"\nsays = "For exercises."\n'
        (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
        raw[name] = tomllib.loads(text)
    cards = list(load_catalogue(tmp_path, builtin=False).cards.values())
    for convention in (Convention(), Convention(pound="2.2", round_weight=True, method="ratio")):
        for level in (1, 2, 3):
            kinds = Counter()
            for seed in range(6):
                problems = generate(cards, 12, seed, level, convention)
                check_answers(problems, convention, raw)
                kinds.update(p.kind for p in problems)
                for problem in problems:
                    assert problem.factors == level if level < 3 else problem.factors >= 3, problem.steps
            assert set(kinds) == {kind.id for kind in deck(cards, level)}


def test_weight_based_cards_alone_give_every_level(card_folder: Path) -> None:
    result = run("exercises", "-n", "4", "--regimens-dir", str(card_folder), "--no-builtin", "-f", "json", "--answers")
    assert result.exit_code == 0, result.output
    assert [p["level"] for p in result.json()["problems"]] == [1, 2, 3, 1]


def test_a_level_no_card_allows_is_refused() -> None:
    with pytest.raises(DoseCalcError) as caught:
        generate([], 3, 1, 2, Convention())
    assert caught.value.field == "level"
    assert str(caught.value) == (
        "level: no problem of level 2 can be made from these cards (kinds: none); give cards of another kind, "
        "or another level"
    )


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    level=st.sampled_from([None, 1, 2, 3]),
    convention=st.sampled_from(sorted(PROFILES.values(), key=repr)),
)
def test_no_answer_rounds_to_nothing(seed: int, level: int | None, convention: Convention) -> None:
    for problem in generate(list(load_catalogue().cards.values()), 12, seed, level, convention):
        assert problem.answer > 0, problem


def test_no_answer_of_the_first_sixty_level_3_sheets_rounds_to_nothing() -> None:
    # among them seed 22, whose problem 2 first draws a drip rate of 0.278 gtt/min (below)
    cards = list(load_catalogue().cards.values())
    for seed in range(60):
        assert all(problem.answer > 0 for problem in generate(cards, 12, seed, 3, Convention())), seed


def test_a_draw_that_rounds_to_nothing_is_drawn_again() -> None:
    # Seed 22, level 3, problem 2 first draws 0.5 mg/kg over 7 h for 103 lb, 200 mg in 100 mL, 10 gtt/mL:
    # 103 x 0.45359237 = 46.72 kg; x 0.5 mg/kg = 23.36 mg; / 7 h = 3.337 mg/h; / 2 mg/mL = 1.669 mL/h;
    # x 10 gtt/mL / 60 min/h = 0.278 gtt/min, which rounds to 0 gtt/min. That draw is not the problem.
    cards = list(load_catalogue().cards.values())
    first, second = generate(cards, 2, 22, 3, Convention())
    assert second.kind == "drip-rate" and second.answer >= 5
    assert "103 lb" not in second.question
    assert generate(cards, 1, 22, 3, Convention()) == [first]  # the draw again stays inside problem 2


def _tiny_card(folder: Path, rate: str) -> list:  # type: ignore[type-arg]
    (folder / "tiny.toml").write_text(
        f'id = "tiny"\ntitle = "Tiny"\nindication = "Classroom"\nkind = "fixed-rate"\nrate = "{rate}"\n'
        'duration = "1 h"\nsessions = 1\n[[sources]]\ncitation = "Course handout"\nsays = "For exercises."\n',
        encoding="utf-8",
    )
    return list(load_catalogue(folder, builtin=False).cards.values())


def test_a_kind_whose_every_draw_rounds_to_nothing_gives_way_to_another(tmp_path: Path) -> None:
    # 0.04 mg/h is 0.0007 mg/min, 0 mg/min at the step of 0.01 for every draw: the problem is drawn again
    # (with another card where the kind allows several), then of the level's next kind
    cards = [*load_catalogue().cards.values(), *_tiny_card(tmp_path, "0.04 mg/h")]
    for seed in range(8):
        for level in (1, 2, 3):
            assert all(problem.answer > 0 for problem in generate(cards, 20, seed, level, Convention()))
    tiny_only = _tiny_card(tmp_path, "0.001 mg/h")
    for level in (1, 2, 3):
        assert all(problem.answer > 0 for problem in generate(tiny_only, 12, 1, level, Convention()))


def test_cards_whose_every_problem_rounds_to_nothing_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 0.001 mg/h: 0.001 mg/h x 8 h = 0.008 mg (0 mg to 0.1), 0.001 / 0.16 mg/mL = 0.006 mL/h (0 mL/h)... With
    # the kinds that need no card taken out of the deck, nothing is left to ask
    import dosecalc.teaching.exercises as exercises

    cards = _tiny_card(tmp_path, "0.001 mg/h")
    real = exercises.deck
    monkeypatch.setattr(exercises, "deck", lambda c, level: [k for k in real(c, level) if k.allows is not None])
    with pytest.raises(DoseCalcError, match="rounds to 0") as caught:
        generate(cards, 1, 1, 1, Convention())
    assert caught.value.field == "regimens_dir"


def test_same_seed_same_bytes_in_fresh_processes() -> None:
    outputs = set()
    for hashseed in ("0", "12345"):
        for fmt in ("markdown", "json", "html"):
            done = subprocess.run(
                [sys.executable, "-m", "dosecalc", "exercises", "-n", "15", "--seed", "99", "--answers", "-f", fmt],
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, "PYTHONHASHSEED": hashseed},
            )
            assert done.returncode == 0, done.stderr
            outputs.add((fmt, done.stdout))
    assert len(outputs) == 3  # one text per format, the same under both hash seeds
    other = run("exercises", "-n", "15", "--seed", "100", "--answers")
    assert other.stdout not in {text for _, text in outputs}


def test_every_sheet_carries_the_disclaimer_and_conventions() -> None:
    for fmt in ("markdown", "json", "html"):
        for extra in ([], ["--answers"]):
            result = run("exercises", "-n", "3", "-f", fmt, *extra)
            assert result.exit_code == 0, result.output
            assert "Educational reference only" in result.stdout
            assert "Pounds to kilograms" in result.stdout
    worksheet = run("exercises", "-n", "5").stdout
    assert "**Answer:" not in worksheet and "Answer: \\_\\_" in worksheet


def _answers_csv(seed: int, count: int, perturb: bool = False, **options: str) -> str:
    doc = run(
        "exercises",
        "-n",
        str(count),
        "--seed",
        str(seed),
        "--answers",
        "-f",
        "json",
        *[arg for key, value in options.items() for arg in (f"--{key}", value)],
    ).json()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["problem", "answer"])
    for problem in doc["problems"]:
        value = problem["answer"]["value"]
        if perturb and problem["number"] == 2:
            value += 10 ** -problem["round_to_places"]  # one rounding unit off
        writer.writerow([problem["number"], f"{value!r} {problem['unit']}" if problem["number"] % 2 else repr(value)])
    return buffer.getvalue()


def test_correct_answers_score_full_marks_and_a_perturbed_one_does_not(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(_answers_csv(5, 9), encoding="utf-8")
    marked = run("check", str(good), "--seed", "5", "-n", "9", "-f", "json")
    assert marked.exit_code == 0, marked.output
    assert marked.json()["score"]["right"] == 9
    bad = tmp_path / "bad.csv"
    bad.write_text(_answers_csv(5, 9, perturb=True), encoding="utf-8")
    marked = run("check", str(bad), "--seed", "5", "-n", "9")
    assert "8/9 right" in marked.stdout
    assert "WRONG" in marked.stdout
    assert "Educational reference only" in marked.stdout


def test_more_precise_answers_score_and_half_a_unit_off_does_not() -> None:
    problems = generate(CARDS, 6, 3, 2, Convention())
    exact = {p.number: p.exact for p in problems}
    text = "problem,answer\n" + "".join(f"{n},{v!r}\n" for n, v in exact.items())
    assert "6/6 right" in run("check", "-", "--seed", "3", "-n", "6", "--level", "2", stdin=text).stdout
    # 0.6 of a rounding unit above the key's answer: outside the interval that rounds to it (an exact value
    # ending in 5 at the rounding place, 281.25 -> 281.3, is why the step, not the exact value, is the base)
    off = "problem,answer\n" + "".join(f"{p.number},{p.answer + 0.6 * float(p.step)!r}\n" for p in problems)
    assert "0/6 right" in run("check", "-", "--seed", "3", "-n", "6", "--level", "2", stdin=off).stdout


def test_conventions_change_the_answers_exactly_as_stated() -> None:
    exact = generate(CARDS, 30, 11, 3, Convention(pound="exact"))
    course = generate(CARDS, 30, 11, 3, Convention(pound="2.2"))
    changed = 0
    for a, b in zip(exact, course, strict=True):
        assert a.question == b.question
        if str(a.inputs["weight"]).endswith(" lb"):
            lb = float(str(a.inputs["weight"]).split()[0])
            assert any(f"{lb:g} lb ÷ 2.2 lb/kg" in step for step in b.steps)
            assert any(f"{lb:g} lb × 0.45359237 kg/lb" in step for step in a.steps)
            changed += a.exact != b.exact
    assert changed > 0
    tenth = generate(CARDS, 30, 4, 2, PROFILES["standard"])
    whole = generate(CARDS, 30, 4, 2, PROFILES["whole-ml-h"])
    pumps = [(t, w) for t, w in zip(tenth, whole, strict=True) if t.figure == "pump_rate"]
    assert pumps
    for t, w in pumps:
        assert t.exact == w.exact
        assert w.answer == rounded(t.exact, 0) and t.answer == rounded(t.exact, 1)


@pytest.mark.parametrize(
    ("text", "code", "said"),
    [
        ("answer\n1\n", 2, "error: ANSWERS.csv: the answers file has no header this reads"),
        ("problem,answer\n1,10,5\n", 1, "more cells than the header"),
        ('problem,answer\n1,"10,5"\n', 1, "uses a decimal comma (10,5); this sheet reads a decimal point: write 10.5"),
        ("problem,answer\n999999999999999999999,1\n", 1, "is not a problem number"),
        ("problem,answer\n12,1\n", 1, "problem 12 is not on this 10-problem sheet"),
    ],
    ids=["no header", "three cells", "decimal comma", "huge problem number", "beyond the sheet"],
)
def test_bad_answer_files_and_rows(text: str, code: int, said: str) -> None:
    """A file that cannot be read at all is exit 2; a row or answer that cannot be read is reported, the rest
    marked, and exit 1."""
    result = run("check", "-", "--seed", "1", stdin=text)
    assert result.exit_code == code, result.output
    assert said in (result.stderr if code == 2 else result.stdout)


# ---- the key's steps: round only the final answer, to the sheet's own place ---------------------------------


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**40),
    level=st.sampled_from([None, 1, 2, 3]),
    profile=st.sampled_from(sorted(PROFILES)),
    method=st.sampled_from(METHODS),
)
def test_every_keys_last_step_rounds_to_the_asked_place_and_is_the_key_as_shown(
    seed: int, level: int | None, profile: str, method: str
) -> None:
    from dosecalc.teaching.exercises import TO_THE_PLACE, answer_text

    convention = PROFILES[profile]._replace(method=method)
    for problem in generate(CARDS, 6, seed, level, convention):
        last = problem.steps[-1]
        shown = answer_text(problem)
        # the key's answer, written as the key writes it (a binding cap's step ends "(25 mg/h)")
        assert last.endswith((shown, f"({shown})")), (last, shown)
        number = shown.split()[0].replace(",", "")
        # written to the asked place: rounding it there changes nothing, and it is the key's answer
        assert rounded(float(number), problem.places) == pytest.approx(problem.answer, abs=0)
        assert float(number) == pytest.approx(rounded(problem.exact, problem.places), abs=0)
        if problem.unit in TO_THE_PLACE:  # a time or weight shows the place asked: 3.0 h where 0.1 h is asked
            assert len(number.partition(".")[2]) == problem.places, shown
        step = format(problem.step.normalize(), "f")
        if "rounded half up" in last:  # the value carried to the end rounds half up to the key, at the place asked
            assert f"rounded half up to {step} {problem.unit}:" in last, last
            carried = last.split(": ", 1)[1].split(" \u2248 ")[0].split()[0].replace(",", "")
            assert rounded(float(carried), problem.places) == problem.answer, last
        else:  # nothing to round: the exact answer is the key at the asked place
            assert rounded(problem.exact, problem.places) == pytest.approx(problem.exact, rel=1e-11), last
        # and no step on the way offers a rounded figure to carry: the sheet rounds only the final answer
        for line in problem.steps[:-1]:
            assert ", rounded " not in line, line


def test_golden_the_final_answer_is_rounded_in_a_step_of_its_own_under_whole_ml_h() -> None:
    problems = generate(CARDS, 10, 4058379303, None, PROFILES["whole-ml-h"])
    pump = problems[8]
    assert pump.kind == "infusion-pump-rate" and pump.question.startswith(
        "For a patient weighing 75.7 kg, the regimen gives"
    )
    # 10 mcg/kg/min × 75.7 kg = 757 mcg/min; × 60 min/h ÷ 1000 mcg/mg = 45.42 mg/h; ÷ 0.5 mg/mL = 90.84 mL/h,
    # to whole mL/h (this profile's place): 91 mL/h. No intermediate is rounded to 0.1 (45.4, 90.8).
    assert pump.steps == (
        "rate: 10 mcg/kg/min × 75.7 kg = 757 mcg/min",
        "rate: 757 mcg/min × 60 min/h ÷ 1,000 mcg/mg = 45.42 mg/h",
        "pump rate: 45.42 mg/h ÷ 0.5 mg/mL = 90.84 mL/h",
        "answer, rounded half up to 1 mL/h: 90.84 mL/h ≈ 91 mL/h",
    )


def test_golden_a_time_asked_to_0_1_h_is_written_to_that_place() -> None:
    from dosecalc.teaching.exercises import answer_text

    bag = generate(CARDS, 12, 21, 1, Convention())[4]
    assert bag.question == "A 50 mL bag runs at 25 mL/h. How long does it take to infuse, in h?"
    # 50 mL ÷ 25 mL/h = 2 h exactly; asked to 0.1 h, the key writes 2.0 h, not 2 h
    assert answer_text(bag) == "2.0 h"
    assert bag.steps == ("duration: 50 mL ÷ 25 mL/h = 2 h", "answer, written to 0.1 h: 2.0 h")


def test_golden_a_duration_given_in_minutes_is_converted_in_the_step_that_uses_it() -> None:
    rate = next(
        p
        for seed in range(60)
        for p in generate(CARDS, 12, seed, 2, Convention())
        if p.kind == "rate" and "over 40 min" in p.question
    )
    kg = float(rate.question.split("weighing ")[1].split(" kg")[0])
    # 0.5 mg/kg × kg, then ÷ 40 min × 60 min/h: no 0.6667 h carried as a rounded figure
    total = 0.5 * kg
    assert rate.steps[-2] == f"rate: {total:g} mg ÷ 40 min × 60 min/h = {total * 60 / 40:g} mg/h", rate.steps
    assert rate.exact == pytest.approx(total * 60 / 40, rel=1e-12)
    assert rate.factors == 2  # mg/kg × kg, then the rate: the level's two factors
    assert not any("0.6667" in line for line in rate.steps)


def test_a_change_to_the_problem_kinds_without_a_new_sheet_format_fails_loudly() -> None:
    """A sheet code names no kinds: adding, removing or reordering one must come with a new format version."""
    from dosecalc.teaching import sheets
    from dosecalc.teaching.exercises import KINDS

    listed = [(kind.id, kind.level, kind.make.__name__) for kind in KINDS]
    sheets.check_kinds(listed)  # the kinds as they are: the digest the format was made for
    for changed in (listed[:-1], [*listed, ("new-kind", 1, "_new")], [listed[1], listed[0], *listed[2:]]):
        with pytest.raises(RuntimeError, match="give the sheet format a new version"):
            sheets.check_kinds(changed)


def test_questions_give_a_documented_regimen_never_an_order() -> None:
    # a regimen card documents what a source gives; a sheet never words it as a prescription or an order
    for seed in range(30):
        for level in (None, 1, 2, 3):
            for problem in generate(CARDS, 12, seed, level, Convention()):
                for word in ("prescribed", "ordered", "is to receive", "order "):
                    assert word not in problem.question, (seed, level, problem.question)
    pump = generate(CARDS, 12, 0, 3, Convention())[2]  # the phased card's pump rate, as worked above
    assert (
        pump.question.startswith("For a patient weighing ")
        and ", the regimen gives a bolus of 0.5 mg/kg" in pump.question
    )


@pytest.mark.parametrize("format", ["markdown", "html", "moodle", "gift"])
def test_a_one_problem_sheet_says_one_problem(format: str) -> None:
    text = dosecalc.exercises(count=1, seed=3).as_text(format)
    assert "1 problem" in text and "1 problems" not in text
    assert "2 problems" in dosecalc.exercises(count=2, seed=3).as_text(format)


def test_a_phased_regimen_is_worded_with_articles() -> None:
    # "the regimen gives bolus 0.5 mg/kg at once, then infusion 10 mcg/kg/min" read oddly: each phase takes its
    # article, as a sentence says it
    phased = [
        problem
        for seed in range(12)
        for level in (1, 2, 3)
        for problem in generate(CARDS, 12, seed, level, Convention())
        if problem.kind in ("bolus-dose", "infusion-rate", "infusion-pump-rate", "session-total")
    ]
    assert {problem.kind for problem in phased} == {
        "bolus-dose",
        "infusion-rate",
        "infusion-pump-rate",
        "session-total",
    }
    for problem in phased:
        assert (
            "the regimen gives a bolus of 0.5 mg/kg at once, then an infusion of 10 mcg/kg/min to the end of the "
            "session; the session lasts " in problem.question
        ), problem.question
        for odd in ("gives bolus", "then infusion", "bolus 0.5 mg/kg", "infusion 10 mcg"):
            assert odd not in problem.question, problem.question


def test_phase_text_in_prose_takes_articles_for_every_kind_of_phase() -> None:
    from dosecalc.regimens import BolusPhase, InfusionPhase, TitrationPhase
    from dosecalc.wording.numbers import phase_text

    bolus = BolusPhase.model_validate({"type": "bolus", "dose": "20 mg", "over": "10 min"})
    infusion = InfusionPhase.model_validate({"type": "infusion", "rate": "5 mg/h", "duration": "2 h"})
    titration = TitrationPhase.model_validate(
        {"type": "titration", "start_rate": "10 mg/h", "step": "5 mg/h", "every": "30 min", "max_rate": "40 mg/h"}
    )
    assert phase_text(bolus, prose=True) == "a bolus of 20 mg over 10 min"
    assert phase_text(infusion, prose=True) == "an infusion of 5 mg/h for 2 h"
    assert phase_text(titration, prose=True) == (
        "a titration from 10 mg/h by 5 mg/h every 30 min up to 40 mg/h to the end of the session"
    )
    # a card's own listing (the tables, the phases of a schedule) keeps its terse form
    assert phase_text(bolus) == "bolus 20 mg over 10 min" and phase_text(infusion) == "infusion 5 mg/h for 2 h"


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10**9),
    convention=st.sampled_from(sorted(PROFILES.values(), key=repr)),
)
def test_every_drip_rate_is_one_a_gravity_set_runs(seed: int, convention: Convention) -> None:
    # 5 to 100 gtt/min, both ends included (exercises.ANSWER_RANGES, a teaching choice): no drip of 1 or 2
    # gtt/min, a drop every 30 to 60 s, and none too fast to count
    for problem in generate(CARDS, 24, seed, 3, convention):
        if problem.kind == "drip-rate":
            assert 5 <= problem.answer <= 100, problem
            # the answer is the exact one rounded half up to whole drops (read to 12 significant figures first),
            # so the exact one is from 4.5 (less a 12th-figure nudge) to below 100.5
            assert 4.5 * (1 - 1e-11) <= problem.exact < 100.5, problem


def test_drip_rate_problems_are_still_made_and_span_their_range() -> None:
    answers = [
        problem.answer
        for seed in range(40)
        for problem in generate(CARDS, 24, seed, 3, Convention())
        if problem.kind == "drip-rate"
    ]
    assert len(answers) >= 80  # about one level-3 problem in nine is a drip rate
    assert min(answers) < 15 and max(answers) > 60, (min(answers), max(answers))
    assert all(5 <= answer <= 100 for answer in answers)


def test_sheets_draw_on_the_seven_cards_of_the_sheet_format_and_on_a_teachers_own(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    seven = [*SEED_IDS, *ISSUE_17_IDS]
    assert [card.id for card in sheet_cards(catalogue)] == seven
    # a code holds the fingerprint of those seven, so the cards built in since (issue 26) change no code made
    # before them, nor the problems it stands for
    sheet = api.exercises(count=40, seed=2024)
    decode(sheet.code, fingerprint(catalogue.cards[card_id] for card_id in seven))  # accepted
    with pytest.raises(DoseCalcError, match="was made from other regimen cards than these"):
        decode(sheet.code, fingerprint(catalogue.cards.values()))
    drawn = {problem.regimen for problem in sheet.problems} - {None}
    assert drawn and drawn <= set(seven), drawn
    marked = api.mark({1: "0"}, sheet=sheet.code)  # marked against the same seven cards
    assert (marked.out_of, marked.right) == (40, 0)
    # a teacher's own cards are always used, beside the seven or alone
    (tmp_path / "mine.toml").write_text(GOOD, encoding="utf-8")
    assert [card.id for card in sheet_cards(load_catalogue(tmp_path))] == [*seven, "teach-1-mg-kg-1-h"]
    # a teacher's copy of a card built in since is the teacher's card: used
    copy = (builtin_dir() / "10-rate-0.6-mg-kg-h-96-h.toml").read_text(encoding="utf-8")
    (tmp_path / "prolonged.toml").write_text(copy, encoding="utf-8")
    alone = sheet_cards(load_catalogue(tmp_path, builtin=False), builtin=False)
    assert [card.id for card in alone] == ["teach-1-mg-kg-1-h", ISSUE_26_IDS[2]]
