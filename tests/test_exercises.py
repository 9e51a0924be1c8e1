"""Exercise sets: reproducible, answers re-derived by plain arithmetic, levels, marking, conventions."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import tomllib
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecalc.regimens import builtin_dir, load_catalogue
from dosecalc.teaching.exercises import generate
from dosecalc.teaching.sheets import PROFILES, Convention

from .helpers import run

CARDS = list(load_catalogue().cards.values())
RAW = {data["id"]: data for data in (tomllib.loads(p.read_text("utf-8")) for p in builtin_dir().glob("*.toml"))}


def first_number(text: str) -> float:
    return float(text.split()[0])


def rounded(value: float, places: int) -> float:
    return float(Decimal(f"{value:.12g}").quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def independent(problem, pound: str) -> float:  # type: ignore[no-untyped-def]
    """The answer from the card file and the problem's givens, by plain float arithmetic."""
    card = RAW[problem.regimen]
    given = problem.inputs
    kg = 70.0
    if given["weight"] is not None:
        number, unit = given["weight"].split()
        kg = float(number) if unit == "kg" else (float(number) / 2.2 if pound == "2.2" else float(number) * 0.45359237)
    hours = given["duration_h"]
    kind = card["kind"]
    if kind == "fixed-rate":
        rate = first_number(card["rate"])
    elif kind == "weight-based-rate":
        rate = first_number(card["rate_per_kg"]) * kg
    elif kind == "fixed-total":
        rate = first_number(card["total_dose"]) / hours
    else:
        rate = first_number(card["total_dose_per_kg"]) * kg / hours
    if "max_rate" in card:
        rate = min(rate, first_number(card["max_rate"]))
    total = rate * hours
    conc = None
    if given["concentration"] is not None:
        parts = given["concentration"].split()
        conc = float(parts[0]) / float(parts[3]) if " in " in given["concentration"] else float(parts[0])
    return {
        "rate": rate,
        "total_dose": total,
        "pump_rate": rate / conc if conc else None,
        "volume": total / conc if conc else None,
        "drip_rate": rate / conc * given["drop_factor"] / 60 if conc and given["drop_factor"] else None,
        "course_total_dose": total * (given["sessions"] or 0),
    }[problem.figure]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    level=st.sampled_from([None, 1, 2, 3]),
    pound=st.sampled_from(["exact", "2.2"]),
    pump=st.sampled_from([1, 0]),
)
def test_every_answer_re_derived_by_plain_arithmetic(seed: int, level: int | None, pound: str, pump: int) -> None:
    convention = PROFILES[
        {
            ("exact", 1): "standard",
            ("exact", 0): "whole-ml-h",
            ("2.2", 1): "pound-2.2",
            ("2.2", 0): "pound-2.2-whole-ml-h",
        }[pound, pump]
    ]
    for problem in generate(CARDS, 12, seed, level, convention):
        expected = independent(problem, pound)
        assert problem.exact == pytest.approx(expected, rel=1e-12), problem
        places = pump if problem.figure == "pump_rate" else (0 if problem.figure == "drip_rate" else 1)
        assert problem.answer == rounded(expected, places), problem


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
    assert "Answer:" not in worksheet


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
    off = "problem,answer\n" + "".join(f"{n},{v + 0.06!r}\n" for n, v in exact.items())  # 0.06 > 0.05
    assert "0/6 right" in run("check", "-", "--seed", "3", "-n", "6", "--level", "2", stdin=off).stdout


def test_conventions_change_the_answers_exactly_as_stated() -> None:
    exact = generate(CARDS, 30, 11, 3, Convention(pound="exact"))
    course = generate(CARDS, 30, 11, 3, Convention(pound="2.2"))
    changed = 0
    for a, b in zip(exact, course, strict=True):
        assert a.question == b.question
        if a.inputs["weight"] is not None:
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
        ('problem,answer\n1,"10,5"\n', 1, "uses a comma inside a number (10,5)"),
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


def test_weight_based_cards_alone_give_mixed_sets_without_level_1(card_folder: Path) -> None:
    result = run("exercises", "-n", "4", "--regimens-dir", str(card_folder), "--no-builtin", "-f", "json", "--answers")
    assert result.exit_code == 0, result.output
    assert [p["level"] for p in result.json()["problems"]] == [2, 3, 2, 3]
    refused = run("exercises", "--level", "1", "--regimens-dir", str(card_folder), "--no-builtin")
    assert refused.exit_code == 2
    assert refused.stderr.splitlines() == ["error: --level: level 1 needs a fixed-rate or fixed-total card"]
