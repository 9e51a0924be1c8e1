"""Drugs, limits and populations: a card's drug decides titles and simulation; limits flag or refuse exactly at
their boundaries; a patient outside the population studied gets a note, never a refusal."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dosecalc
from dosecalc.drugs import builtin_dir as drugs_dir
from dosecalc.drugs import builtin_drugs, crossed, drug_key, read_drug
from dosecalc.pk import models_dir
from dosecalc.regimens import builtin_dir, load_card, load_catalogue
from dosecalc.units import Q_

from .helpers import GOOD, SEED_IDS, run

ROOT = Path(__file__).resolve().parent.parent

LIDOCAINE = GOOD.replace('id = "teach-1-mg-kg-1-h"', 'id = "teach-lidocaine"').replace(
    'title = "Teaching example: 1 mg/kg over 1 hour"', 'title = "Lidocaine 1 mg/kg over 1 hour"\ndrug = "lidocaine"'
)


def _folder(tmp_path: Path, **cards: str) -> Path:
    for name, text in cards.items():
        (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_every_card_source_has_a_citation_and_a_quotation() -> None:
    files = [*builtin_dir().glob("*.toml"), *models_dir().glob("*.toml")]
    assert len(files) >= 8  # seven built-in cards and the model card(s)
    for path in files:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert data["sources"], path
        for source in data["sources"]:
            assert len(source["citation"]) > 20 and len(source["says"]) > 20, (path, source)
    for drug in builtin_drugs().values():
        for limit in drug.limits:
            assert len(limit.source.citation) > 20 and limit.source.says, drug.name


def test_every_built_in_card_names_its_drug_and_population() -> None:
    # the 4-day card's 22 mg/h is the trial's S(+)-ketamine rate (Sigtermans 2009), so it names that drug; the
    # 4 h card keeps racemic ketamine, the drug of the article it comes from, and names its trial's drug apart
    drugs = builtin_drugs()
    expected = {"rate-22-mg-h-4-days": "S(+)-ketamine"}
    for path in builtin_dir().glob("*.toml"):
        card = load_card(path)
        assert card.drug == expected.get(card.id, "ketamine"), path
        assert card.drug is not None and drug_key(card.drug) in drugs, path  # every drug named has its drug file
        assert card.population is not None and card.population.studied, path
    assert drugs[drug_key("S(+)-ketamine")].models == ()  # so the racemic model is refused for it


def test_a_teachers_card_of_another_drug_is_titled_by_its_drugs_and_never_simulated(tmp_path: Path) -> None:
    folder = _folder(tmp_path, lido=LIDOCAINE)
    refused = run("simulate", "teach-lidocaine", "--regimens-dir", str(folder), "--no-builtin")
    assert refused.exit_code == 2 and refused.stdout == "", refused.output
    assert "lidocaine" in refused.stderr and "not for lidocaine" in refused.stderr, refused.stderr
    pytest.importorskip("matplotlib")
    pytest.importorskip("jinja2")
    html = dosecalc.report("70 kg", regimens_dir=folder, builtin=False).html
    assert "<h1>Lidocaine infusion regimens: a teaching handout</h1>" in html
    assert "Ketamine" not in html.split("<h1>")[1].split("</h1>")[0]


def test_a_card_without_a_drug_loads_is_titled_by_its_title_and_is_not_simulated(tmp_path: Path) -> None:
    folder = _folder(tmp_path, plain=GOOD)
    assert load_catalogue(folder, builtin=False).cards["teach-1-mg-kg-1-h"].drug is None
    refused = run("simulate", "teach-1-mg-kg-1-h", "--regimens-dir", str(folder), "--no-builtin")
    assert refused.exit_code == 2, refused.output
    assert "names no drug" in refused.stderr, refused.stderr
    pytest.importorskip("jinja2")
    pytest.importorskip("matplotlib")
    html = dosecalc.report("70 kg", regimens_dir=folder, builtin=False).html
    assert "<h1>Teaching example: 1 mg/kg over 1 hour: a teaching handout</h1>" in html


def test_an_s_ketamine_card_is_refused_because_the_racemic_model_does_not_apply_mg_for_mg(tmp_path: Path) -> None:
    text = GOOD.replace('kind = "weight-based-total"', 'drug = "S(+)-ketamine"\nkind = "weight-based-total"')
    refused = run("simulate", "teach-1-mg-kg-1-h", "--regimens-dir", str(_folder(tmp_path, s=text)))
    assert refused.exit_code == 2, refused.output
    assert "racemic model does not apply" in refused.stderr and "mg for mg" in refused.stderr, refused.stderr


def test_the_ketamine_cards_still_simulate_and_say_the_trial_drug_differs() -> None:
    result = dosecalc.simulate("rate-22-mg-h", "70 kg")
    notes = result.to_dicts()["notes"]
    assert any("not interchangeable mg for mg" in note for note in notes)


def test_a_patient_outside_the_population_gets_a_note_in_every_output_and_no_refusal() -> None:
    # 22 mg/h / 3.5 kg = 6.29 mg/kg/h: above the 2 mg/kg/h soft limit, and 3.5 kg is no adult
    for fmt in ("table", "markdown", "json", "csv"):
        result = run("table", "-w", "3.5 kg", "-r", "rate-22-mg-h", "--format", fmt)
        assert result.exit_code == 0, result.output
        flat = " ".join(result.stdout.split())
        assert "Outside the population studied" in flat, (fmt, result.stdout)
        assert "lighter than 40 kg" in flat, fmt
        assert "Above a soft limit for ketamine" in flat and "6.29 mg/kg/h, above 2 mg/kg/h" in flat, fmt
    schedule = run("schedule", "rate-22-mg-h", "-w", "3.5 kg", "--format", "markdown").stdout
    assert "Outside the population studied" in schedule and "Above a soft limit" in schedule
    adult = run("table", "-w", "70 kg", "-r", "rate-22-mg-h").stdout
    assert "Outside the population" not in adult and "soft limit" not in adult


def test_the_population_boundary_is_inside() -> None:
    assert not dosecalc.table("40 kg", "rate-22-mg-h").rows[0].outside_population
    assert dosecalc.table("39.999 kg", "rate-22-mg-h").rows[0].outside_population


@settings(max_examples=80, deadline=None)
@given(limit=st.floats(min_value=0.01, max_value=10.0), factor=st.sampled_from([0.5, 1.0, 1.0 + 1e-6, 2.0]))
def test_limits_flag_exactly_above_their_boundary(limit: float, factor: float) -> None:
    (ketamine_rate_limit,) = [x for x in builtin_drugs()["ketamine"].limits if x.figure == "rate_per_kg"]
    moved = ketamine_rate_limit._replace(above=Q_(limit, "mg/kg/h"))
    found = crossed((moved,), "rate_per_kg", Q_(limit * factor, "mg/kg/h"))
    assert bool(found) == (factor > 1.0)
    # the same figure in other units is the same figure: mg/kg/h x 1000/60 = mcg/kg/min
    if factor != 1.0:  # converting units rounds in the last bit, so only off the boundary
        other = Q_(limit * factor * 1000 / 60, "mcg/kg/min")
        assert bool(crossed((moved,), "rate_per_kg", other)) == (factor > 1.0)


def test_a_figure_at_the_limit_stays_inside_whatever_its_arithmetic_noise() -> None:
    # 0.35 mg/kg x w / w is 0.35 mg/kg, though in floats it is sometimes 0.35000000000000003
    (bolus,) = [x for x in builtin_drugs()["ketamine"].limits if x.figure == "dose_per_kg"]
    at = bolus._replace(above=Q_(0.35, "mg/kg"))
    for tenth in range(300, 2000):
        kg = tenth / 10
        assert crossed((at,), "dose_per_kg", Q_(0.35 * kg, "mg") / Q_(kg, "kg")) == [], kg


def test_the_soft_limits_boundary_in_a_table() -> None:
    # 22 mg/h is 2 mg/kg/h at 11 kg exactly: inside; at 10.999 kg it crosses
    assert dosecalc.table("11 kg", "rate-22-mg-h").rows[0].crossings == ()
    (crossing,) = dosecalc.table("10.999 kg", "rate-22-mg-h").rows[0].crossings
    assert crossing.limit.level == "soft" and crossing.limit.figure == "rate_per_kg"
    # the bolus card's 0.5 mg/kg is above the 0.35 mg/kg bolus limit for every weight
    row = dosecalc.table("70 kg", "bolus-0.5-mg-kg-then-10-mcg-kg-min").rows[0]
    assert [(c.limit.figure, c.phase) for c in row.crossings] == [("dose_per_kg", 1)]


HARD = """\
name = "teachium"
title = "Teachium (a classroom drug)"
models = []

[[limits]]
level = "hard"
above = "1.5 mg/kg/h"
source = { citation = "Course handout, week 3", says = "Never above 1.5 mg/kg/h." }

[[limits]]
level = "soft"
above = "1 mg/kg/h"
source = { citation = "Course handout, week 3", says = "Take care above 1 mg/kg/h." }
"""

RATE_CARD = """\
id = "teach-rate"
title = "Teachium 1 mg/kg/h"
indication = "Classroom exercise"
drug = "teachium"
kind = "weight-based-rate"
rate_per_kg = "1 mg/kg/h"
duration = "2 h"
sessions = 1

[[sources]]
citation = "Course handout"
says = "1 mg/kg/h for two hours."
"""


def test_a_teachers_hard_limit_refuses_a_what_if_that_crosses_it_and_a_soft_one_is_noted(tmp_path: Path) -> None:
    folder = _folder(tmp_path, rate=RATE_CARD)
    (folder / "drugs").mkdir()
    (folder / "drugs" / "teachium.toml").write_text(HARD, encoding="utf-8")
    args = ("table", "-w", "70 kg", "--regimens-dir", str(folder), "--no-builtin")
    assert "limit" not in run(*args).stdout  # 1 mg/kg/h is on the soft limit: inside it
    # a what-if 3 h duration changes no rate; a what-if cap cannot raise one: try a card of 1.6 mg/kg/h
    (folder / "rate.toml").write_text(RATE_CARD.replace('"1 mg/kg/h"', '"1.6 mg/kg/h"'), encoding="utf-8")
    refused = run(*args)
    assert refused.exit_code == 2 and refused.stdout == "", refused.output
    assert "above the hard limit of 1.5 mg/kg/h for teachium" in refused.stderr, refused.stderr
    assert "Never above 1.5 mg/kg/h." in refused.stderr
    (folder / "rate.toml").write_text(RATE_CARD.replace('"1 mg/kg/h"', '"1.2 mg/kg/h"'), encoding="utf-8")
    noted = run(*args)
    assert noted.exit_code == 0, noted.output
    assert "Above a soft limit for teachium" in " ".join(noted.stdout.split())


def test_a_what_if_that_crosses_a_limit_says_so(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        rate=RATE_CARD.replace('"1 mg/kg/h"', '"1.2 mg/kg/h"').replace(
            'kind = "weight-based-rate"', 'max_rate = "70 mg/h"\nkind = "weight-based-rate"'
        ),
    )
    (folder / "drugs").mkdir()
    (folder / "drugs" / "teachium.toml").write_text(HARD, encoding="utf-8")
    args = ("table", "-w", "70 kg", "--regimens-dir", str(folder), "--no-builtin", "--format", "json")
    capped = run(*args).json()["rows"][0]  # 1.2 x 70 = 84 mg/h capped to 70 mg/h = 1 mg/kg/h: inside
    assert "limits_crossed" not in capped
    uncapped = run(*args, "--no-cap").json()["rows"][0]  # the what-if lifts the cap: 1.2 mg/kg/h
    assert [c["level"] for c in uncapped["limits_crossed"]] == ["soft"]
    assert any("Above a soft limit" in note for note in uncapped["notes"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HARD.replace('level = "hard"', 'level = "firm"'), "limits.0.level: must be one of soft, hard"),
        (HARD.replace('above = "1.5 mg/kg/h"', 'above = "1.5 mL"'), "limits.0.above: expected a bolus dose"),
        (HARD.replace("models = []", 'models = "domino"'), "models: must be a list"),
        ('colour = "red"\n' + HARD, "colour: is not a drug-file field"),
    ],
    ids=["level", "above", "models", "extra"],
)
def test_broken_drug_files_name_the_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "d.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(dosecalc.DoseCalcError, match=message):
        read_drug(path)


def test_the_built_in_drug_files_are_the_ones_shipped() -> None:
    assert sorted(p.name for p in drugs_dir().glob("*.toml")) == ["ketamine.toml", "s-ketamine.toml"]
    assert builtin_drugs()["ketamine"].models == ("domino",)
    assert builtin_drugs()["s(+)-ketamine"].models == ()


def test_the_simulation_says_so_too() -> None:
    notes = dosecalc.simulate("rate-22-mg-h", "3.5 kg").to_dicts()["notes"]
    assert any("Outside the population studied" in note for note in notes)
    assert any("Above a soft limit for ketamine" in note for note in notes)


def test_a_cohort_counts_patients_outside_the_population_and_above_a_soft_limit(tmp_path: Path) -> None:
    patients = tmp_path / "p.csv"
    patients.write_text("id,weight\np1,70 kg\np2,3 kg\np3,11 kg\np4,10.5 kg\n", encoding="utf-8")
    result = run("cohort", str(patients), "-r", "rate-22-mg-h")
    assert result.exit_code == 0, result.output
    # below 40 kg: p2, p3, p4; 22 mg/h above 2 mg/kg/h below 11 kg: p2 (7.33), p4 (2.10), not p3 (exactly 2)
    assert "note: rate-22-mg-h: outside the population its sources studied: 3 patient(s)" in result.stderr
    assert "note: rate-22-mg-h: infusion rate per kg above the soft limit of 2 mg/kg/h: 2 patient(s)" in result.stderr
    assert len(result.stdout.splitlines()) == 5  # the header and every patient: notes refuse no one


def test_a_cohort_patient_above_a_hard_limit_stops_it_naming_the_patient(tmp_path: Path) -> None:
    folder = _folder(tmp_path, rate=RATE_CARD)
    (folder / "drugs").mkdir()
    (folder / "drugs" / "teachium.toml").write_text(HARD.replace('"1.5 mg/kg/h"', '"0.5 mg/kg/h"'), encoding="utf-8")
    patients = tmp_path / "p.csv"
    patients.write_text("id,weight\np1,70 kg\n", encoding="utf-8")
    output = tmp_path / "out.csv"
    args = ("cohort", str(patients), "--regimens-dir", str(folder), "--no-builtin", "--output", str(output))
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert (
        "patient 'p1': under teach-rate the infusion rate per kg is above the hard limit of 0.5 mg/kg/h"
        in result.stderr
    )
    assert not output.exists()  # written whole or not at all


def test_charts_are_titled_by_the_drugs_present(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    folder = _folder(tmp_path, lido=LIDOCAINE)
    # the built-in cards hold two drugs since the 4-day card names S(+)-ketamine; the seed cards only one
    builtin = dosecalc.plot("rate-vs-weight").figure.axes[0].get_title()
    assert builtin == "Infusion regimens (ketamine, S(+)-ketamine): rate by weight"
    seed = dosecalc.plot("rate-vs-weight", regimen=list(SEED_IDS)).figure.axes[0].get_title()
    assert seed == "Ketamine infusion regimens: rate by weight"
    lidocaine = dosecalc.plot("cumulative", regimens_dir=folder, builtin=False).figure.axes[0].get_title()
    assert lidocaine == "Lidocaine infusion regimens: cumulative dose, one session, 70 kg"
    both = dosecalc.plot("rate-vs-weight", regimens_dir=folder).figure.axes[0].get_title()
    assert both == "Infusion regimens (ketamine, S(+)-ketamine, lidocaine): rate by weight"
