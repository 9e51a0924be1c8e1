"""Regimen cards: the built-in four, and every kind of broken card refused with file and field named."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import dosecalc
from dosecalc.errors import CardError
from dosecalc.regimens import Catalogue, builtin_dir, documented_dose, load_card, load_catalogue
from dosecalc.units import Q_

from .helpers import BUILTIN_IDS, GOOD, ISSUE_26_IDS, SEED_IDS, assert_quantity_close, run


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_built_in_cards_the_four_seed_cards_first_and_their_documented_figures() -> None:
    everything = load_catalogue().cards
    # ordered by the numbers of their file names (10-... after 9-...): the four seed cards, then the three added
    # from their sources in issue 17, then the three of issue 26
    assert list(everything) == list(BUILTIN_IDS)
    cards = {card_id: everything[card_id] for card_id in SEED_IDS}
    assert_quantity_close(documented_dose(cards["rate-22-mg-h"]), Q_(22, "mg/h"))
    assert_quantity_close(documented_dose(cards["rate-0.35-mg-kg-h"]), Q_(0.35, "mg/kg/h"))
    assert_quantity_close(cards["rate-0.35-mg-kg-h"].max_rate, Q_(25, "mg/h"))  # type: ignore[arg-type]
    assert cards["rate-0.35-mg-kg-h"].sessions == 10
    assert cards["total-80-mg-5-h"].sessions == 7
    prep = cards["total-80-mg-5-h"].preparation
    assert prep is not None
    assert_quantity_close(prep.concentration, Q_(0.16, "mg/mL"))  # 80 mg / 500 mL
    assert_quantity_close(cards["initial-80-mg-2-h"].minimum_duration, Q_(2, "h"))  # type: ignore[arg-type]
    assert cards["initial-80-mg-2-h"].sessions == 1
    for card in cards.values():
        assert any("Florida Medical Pain Management" in s.citation for s in card.sources), card.id
        assert any("differ" in note.text for note in card.notes), card.id
        for note in card.notes:  # the one-line form keeps every disagreement between sources
            assert note.brief is not None and len(note.brief) <= 120, (card.id, note.brief)
            assert ("differ" in note.text) == ("differ" in note.short), (card.id, note.brief)


def test_a_note_is_text_or_a_brief_with_its_text(tmp_path: Path) -> None:
    plain = load_card(write(tmp_path, "a.toml", GOOD.replace("sessions = 1", 'sessions = 1\nnotes = ["Short note."]')))
    assert [(n.text, n.short) for n in plain.notes] == [("Short note.", "Short note.")]
    both = GOOD.replace("[[sources]]", '[[notes]]\nbrief = "Brief."\ntext = "The whole text."\n\n[[sources]]', 1)
    assert [(n.text, n.short) for n in load_card(write(tmp_path, "b.toml", both)).notes] == [
        ("The whole text.", "Brief.")
    ]
    too_long = both.replace('"Brief."', '"' + "x" * 121 + '"')
    with pytest.raises(CardError, match=r"notes\.0\.brief: is longer than 120 characters"):
        load_card(write(tmp_path, "c.toml", too_long))


def test_a_teacher_writes_a_new_card_without_code(tmp_path: Path) -> None:
    write(tmp_path, "mine.toml", GOOD)
    catalogue = load_catalogue(tmp_path)
    assert list(catalogue.cards) == [*load_catalogue().cards, "teach-1-mg-kg-1-h"]  # the built-in cards, then it
    only = load_catalogue(tmp_path, builtin=False)
    assert list(only.cards) == ["teach-1-mg-kg-1-h"]


BROKEN = [
    (
        "bad TOML",
        GOOD.replace('kind = "weight-based-total"', "kind = weight-based-total"),
        "is not valid TOML (Invalid value (at line 4, column 8))",
    ),
    ("missing field", GOOD.replace('title = "Teaching example: 1 mg/kg over 1 hour"\n', ""), "title: is missing"),
    ("extra field", 'colour = "blue"\n' + GOOD, "colour: is not a card field (check its spelling)"),
    (
        "unknown kind",
        GOOD.replace('"weight-based-total"', '"bolus"'),
        "kind: must be one of fixed-rate, weight-based-rate, fixed-total, weight-based-total",
    ),
    (
        "wrong dimension",
        GOOD.replace('"1 mg/kg"', '"1 mg"'),
        "total_dose_per_kg: '1 mg' is a mass; expected a weight-based dose (mass per kg) such as 1 mg/kg",
    ),
    (
        "rate given as a mass",
        GOOD.replace(
            'kind = "weight-based-total"\ntotal_dose_per_kg = "1 mg/kg"', 'kind = "fixed-rate"\nrate = "22 mg"'
        ),
        "rate: '22 mg' is a mass; expected a rate (mass per time) such as 22 mg/h",
    ),
    (
        "zero dose",
        GOOD.replace('"1 mg/kg"', '"0 mg/kg"'),
        "total_dose_per_kg: '0 mg/kg' is zero; expected a weight-based dose (mass per kg) such as 1 mg/kg "
        "(more than zero)",
    ),
    (
        "negative dose",
        GOOD.replace('"1 mg/kg"', '"-1 mg/kg"'),
        "total_dose_per_kg: '-1 mg/kg' is negative; expected a weight-based dose (mass per kg) such as 1 mg/kg "
        "(more than zero)",
    ),
    (
        "dose for another kind",
        GOOD.replace('total_dose_per_kg = "1 mg/kg"', 'rate = "22 mg/h"'),
        "total_dose_per_kg: is missing",
    ),
    (
        "sessions as text",
        GOOD.replace("sessions = 1", 'sessions = "1"'),
        "sessions: must be a whole number without quotes, such as 10 (got the text '1')",
    ),
    ("zero sessions", GOOD.replace("sessions = 1", "sessions = 0"), "sessions: must be at least 1 (got 0)"),
    ("too many sessions", GOOD.replace("sessions = 1", "sessions = 400"), "sessions: must be at most 365 (got 400)"),
    ("empty title", GOOD.replace('"Teaching example: 1 mg/kg over 1 hour"', '""'), "title: must not be empty"),
    ("title not text", GOOD.replace('"Teaching example: 1 mg/kg over 1 hour"', "5"), "title: must be text in quotes"),
    ("sources not tables", GOOD.split("[[sources]]")[0] + 'sources = ["a book"]\n', "sources.0: must be a TOML table"),
    ("no sources", GOOD.split("[[sources]]")[0], "sources: is missing"),
    (
        "bad id",
        GOOD.replace('"teach-1-mg-kg-1-h"', '"Teach Me"'),
        "id: must be 2 to 64 characters: lower-case letters, digits, '.' and '-', starting and ending with a letter "
        "or digit, such as teach-1-mg-kg-1-h (got the text 'Teach Me')",
    ),
    (
        "default below minimum",
        GOOD.replace('duration = "1 h"', 'duration = "1 h"\nminimum_duration = "2 h"'),
        "card: duration is shorter than minimum_duration",
    ),
    (
        "decimal comma in a card",
        GOOD.replace('"1 mg/kg"', '"1,5 mg/kg"'),
        "total_dose_per_kg: '1,5 mg/kg' uses a decimal comma; write 1.5 mg/kg",
    ),
]


@pytest.mark.parametrize(("text", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_broken_card_is_refused_naming_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "card.toml", text)
    with pytest.raises(CardError) as caught:
        load_card(path)
    assert str(caught.value).startswith(f"{path}: {message}"), str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_not_utf8_and_unreadable_files(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(GOOD.replace("Course handout", "Cours \xe9t\xe9").encode("latin-1"))
    with pytest.raises(CardError, match=r"latin.toml: is not UTF-8 text"):
        load_card(path)
    if os.geteuid() != 0:  # root reads every file
        locked = write(tmp_path, "locked.toml", GOOD)
        locked.chmod(0)
        with pytest.raises(CardError, match="cannot be read"):
            load_card(locked)


def test_duplicate_ids_and_clashes_with_built_in_cards_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", GOOD)
    write(tmp_path, "b.toml", GOOD)
    write(tmp_path, "c.toml", (builtin_dir() / "1-rate-22-mg-h.toml").read_text(encoding="utf-8"))
    with pytest.raises(CardError) as caught:
        load_catalogue(tmp_path)
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{tmp_path / 'b.toml'}: id: 'teach-1-mg-kg-1-h' is already used by {tmp_path / 'a.toml'}; "
        "give this card another id",
        f"{tmp_path / 'c.toml'}: id: 'rate-22-mg-h' is already used by a built-in card; give this card another id",
    ]


def test_every_broken_card_in_a_folder_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "1.toml", GOOD.replace('"1 mg/kg"', '"1 mg"'))
    write(tmp_path, "2.toml", "id = ")
    write(tmp_path, "3.toml", GOOD)
    with pytest.raises(CardError) as caught:
        load_catalogue(tmp_path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(str(tmp_path / "1.toml"))
    assert lines[1].startswith(str(tmp_path / "2.toml"))


def test_empty_or_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CardError, match="holds no regimen cards"):
        load_catalogue(tmp_path)
    with pytest.raises(CardError, match="is not a folder"):
        load_catalogue(tmp_path / "nowhere")


@pytest.mark.parametrize("before", [None, "0"])
def test_importing_the_cards_leaves_the_pydantic_plugin_setting_as_it_was(before: str | None) -> None:
    """The card validator is built without pydantic's plugin lookup; the user's setting is put back."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if before is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = before
    code = "import os, dosecalc.regimens; print(os.environ.get('PYDANTIC_DISABLE_PLUGINS'))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(before)


def _look_together(catalogue: Catalogue, ids: list[str]) -> list[object]:
    """Each id looked up in ``catalogue`` by a thread of its own, all released at once: what each found."""
    import threading

    start = threading.Barrier(len(ids))
    found: list[object] = []

    def look(card_id: str) -> None:
        start.wait()
        try:
            found.append(catalogue.get(card_id).id)
        except Exception as error:  # recorded, so that the assertion shows it
            found.append(error)

    threads = [threading.Thread(target=look, args=(card_id,)) for card_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def test_threads_looking_at_one_built_in_card_at_once_all_get_it() -> None:
    """A built-in card is validated when first looked at; threads that look at it together (a server's first
    requests) all get the card, never 'unknown regimen'."""
    from dosecalc import regimens

    ids = ["bolus-0.5-mg-kg-then-10-mcg-kg-min", "rate-0.35-mg-kg-h"] * 6
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch as often as they can, so that a window between two steps shows
    try:
        for _ in range(20):
            regimens._LOADED.clear()  # a catalogue read afresh: its built-in cards not yet validated
            found = _look_together(regimens.load_catalogue(), ids)
            assert sorted(map(str, found)) == sorted(ids), found
    finally:
        sys.setswitchinterval(interval)


#: The passages of the article the four seed cards quote, copied verbatim from its text (Ketamine Infusion Therapy
#: and Its Role in Chronic Pain, Florida Medical Pain Management, a clinic's web page).
ARTICLE = (
    "For moderate CRPS improvement, researchers have used different methods, including a protocol involving an "
    "infusion of 22 mg/h or 0.35 mg/kg/h repeated over four hours. Another approach utilized a total dose of 80 mg "
    "infused over five hours.\n"
    "Establishing a standardized protocol has been challenging due to discrepancies in the literature. However, "
    "despite the heterogeneity of the evidence, practice guidelines recommend initiating therapy with an 80 mg "
    "ketamine infusion over a minimum of two hours. Subsequent dosing will be determined based on the patient\u2019s "
    "clinical response."
)


def _quoted_parts(says: str) -> list[str]:
    """The parts of a quotation between its marked cuts ("..."), each to be found word for word in its source."""
    return [part.strip() for part in says.split("...") if part.strip()]


def test_the_articles_words_are_quoted_exactly_and_it_is_marked_as_a_clinics_web_page() -> None:
    for card_id in SEED_IDS:
        card = load_card(builtin_dir() / f"{SEED_IDS.index(card_id) + 1}-{card_id}.toml")
        (article,) = [s for s in card.sources if "Florida Medical Pain Management" in s.citation]
        assert "a pain clinic's web page" in article.citation and "secondary source" in article.citation, card_id
        for part in _quoted_parts(article.says):
            assert part in ARTICLE, (card_id, part)


def test_cut_quotations_are_marked_and_sources_carry_ids_and_grades() -> None:
    cards = load_catalogue(None).cards
    # Amr 2010 (Pain Physician 2010;13(3):245-9) is PubMed 20495588; the abstract's "Forty patients ..." is cut
    (amr,) = [s for s in cards["total-80-mg-5-h"].sources if s.citation.startswith("Amr YM")]
    assert "PubMed ID 20495588" in amr.citation and amr.link == "https://pubmed.ncbi.nlm.nih.gov/20495588/"
    assert amr.says.startswith("Setting: Hospital, in-patient setting. ... Group I received")
    # Sigtermans 2009: the side effects in brackets and the sentences between are kept or marked as cut
    for card_id in ("rate-22-mg-h", "rate-22-mg-h-4-days"):
        (sig,) = [s for s in cards[card_id].sources if s.citation.startswith("Sigtermans")]
        assert "side effects (nausea/vomiting/psychomimetic effects). ... At the end of infusion" in sig.says
    # where the guideline is quoted, its grade is quoted with it (as Guideline Central reproduces it)
    graded = [s for card in cards.values() for s in card.sources if "Guideline Central" in s.citation]
    assert graded and all(s.says.endswith(("(C, Low)", "(low to moderate certainty)")) for s in graded)
    # the guideline's CRPS sentence is quoted only as a summary gives it, and says so
    for card in cards.values():
        for source in card.sources:
            if "22 mg/h for 4 days" in source.says:
                assert "as summarised by" in source.citation, card.id


def test_the_cards_say_what_the_sources_give_and_not_more() -> None:
    cards = load_catalogue(None).cards
    four_hours = cards["rate-22-mg-h"]
    assert "as the article states it (no trial or guideline gives 4 h)" in four_hours.title
    days = cards["rate-22-mg-h-4-days"]
    assert days.drug == "S(+)-ketamine" and days.primary_trial_drug == "S(+)-ketamine"
    text = " ".join(note.text for note in days.notes)
    # 22.2 mg/h / 70 kg = 0.317 mg/kg/h; 22 mg/h x 96 h = 2,112 mg, an upper figure no source gives
    assert "22.2 mg/h / 70 kg = 0.317, about 0.32 mg/kg/h" in text and "upper figures" in text
    first = cards["initial-80-mg-2-h"]
    text = " ".join(note.text for note in first.notes)
    assert "at least 80 mg, infused over more than 2 h" in text and "outside '>2 h'" in text
    capped = cards["rate-0.35-mg-kg-h"]
    text = " ".join(note.text for note in capped.notes)
    assert "2 mg of midazolam twice, intravenously, and 0.1 mg of clonidine by mouth" in text
    assert "are maxima" in text and "could not be verified" in text
    (registry,) = [s for s in capped.sources if "placebo comparator" in s.citation]
    assert "2mg of Versed x two doses IV. They will also receive Clonidine (0.1 mg, po)" in registry.says


# ---- the three cards of issue 26, each figure by hand ------------------------------------------------------


def test_the_five_day_crps_card_by_hand() -> None:
    # Goldberg et al. 2010: titrated from 10 to 40 mg/h, maintained for 5 days; the card keeps the top rate
    kg = 154 * 0.45359237  # 69.85322498 kg
    for weight, mass in (("70 kg", 70.0), ("154 lb", kg)):
        (row,) = dosecalc.table(weight, "rate-40-mg-h-5-days").rows
        assert_quantity_close(row.rate, Q_(40, "mg/h"))  # the same at every weight
        assert_quantity_close(row.duration, Q_(120, "h"))  # 5 days x 24 h/day
        assert_quantity_close(row.total_dose, Q_(4800, "mg"))  # 40 mg/h x 120 h
        assert_quantity_close(row.total_dose_per_kg, Q_(4800 / mass, "mg/kg"))  # 4,800 / 70 = 68.571 mg/kg
        assert_quantity_close(row.course_total_dose, Q_(4800, "mg"))  # one session
    text = run("table", "-r", "rate-40-mg-h-5-days", "-w", "70 kg", "-f", "markdown").stdout
    # 40 / 70 = 0.571 mg/kg/h; 4,800 / 70 = 68.6 mg/kg
    assert "| rate-40-mg-h-5-days | 40 | 0.571 | 120 | 4,800 | 68.6 | 4,800 (1 x) |" in text
    card = load_catalogue().cards["rate-40-mg-h-5-days"]
    assert card.drug == "ketamine" and card.sessions == 1
    quoted = "ketamine was titrated from 10-40 mg/hr in 16 CRPS patients, and maintained for 5 days"
    assert quoted in card.sources[0].says
    assert "upper figures" in " ".join(note.text for note in card.notes)


def test_the_one_mg_per_kg_depression_card_by_hand() -> None:
    # Fava et al.: the 1.0 mg/kg arm, one infusion over 40 min
    kg = 154 * 0.45359237  # 69.85322498 kg
    for weight, mass in (("70 kg", 70.0), ("154 lb", kg)):
        (row,) = dosecalc.table(weight, "total-1-mg-kg-40-min").rows
        assert_quantity_close(row.total_dose, Q_(1 * mass, "mg"))  # 1 mg/kg x 70 kg = 70 mg
        assert_quantity_close(row.rate, Q_(mass / (40 / 60), "mg/h"))  # 70 mg / (40/60 h) = 105 mg/h
        assert_quantity_close(row.rate_per_kg, Q_(1.5, "mg/kg/h"))  # 1 mg/kg / (2/3 h)
        assert_quantity_close(row.duration, Q_(40, "min"))
    text = run("table", "-r", "total-1-mg-kg-40-min", "-w", "70 kg", "-f", "markdown").stdout
    assert "| total-1-mg-kg-40-min | 105 | 1.5 | 0.67 | 70 | 1 | 70 (1 x) |" in text
    card = load_catalogue().cards["total-1-mg-kg-40-min"]
    assert "a single dose of ketamine 1.0 mg/kg (n = 20)" in card.sources[0].says
    assert "single infusion over 40 min" in card.sources[0].says


def test_the_96_hour_depression_card_by_hand() -> None:
    # Lenze et al. 2016: a target of 0.6 mg/kg/h for 96 h; the card keeps the target for the whole infusion
    kg = 154 * 0.45359237  # 69.85322498 kg
    for weight, mass in (("70 kg", 70.0), ("154 lb", kg)):
        (row,) = dosecalc.table(weight, "rate-0.6-mg-kg-h-96-h").rows
        assert_quantity_close(row.rate, Q_(0.6 * mass, "mg/h"))  # 0.6 mg/kg/h x 70 kg = 42 mg/h
        assert_quantity_close(row.total_dose, Q_(0.6 * mass * 96, "mg"))  # 42 mg/h x 96 h = 4,032 mg
        assert_quantity_close(row.total_dose_per_kg, Q_(57.6, "mg/kg"))  # 0.6 x 96
        assert not row.cap_binds  # no cap: the trial states none
    text = run("table", "-r", "rate-0.6-mg-kg-h-96-h", "-w", "154 lb", "-f", "markdown").stdout
    # 0.6 x 69.853 = 41.912 -> 41.9 mg/h; x 96 h = 4,023.547 -> 4,023.5 mg
    assert "| rate-0.6-mg-kg-h-96-h | 41.9 | 0.6 | 96 | 4,023.5 | 57.6 | 4,023.5 (1 x) |" in text
    card = load_catalogue().cards["rate-0.6-mg-kg-h-96-h"]
    assert "titrated as tolerated to a target rate of 0.6 mg/kg/h" in card.sources[0].says
    assert any("differ" in note.text and "differ" in note.short for note in card.notes)  # 96 h or 100 h


def test_the_cards_of_issue_26_quote_their_sources_and_keep_briefs_to_a_line() -> None:
    cards = load_catalogue().cards
    for card_id in ISSUE_26_IDS:
        card = cards[card_id]
        assert card.population is not None and card.population.adults, card_id
        for source in card.sources:  # every quotation names where it was read
            assert source.link is not None and source.link.startswith("https://"), (card_id, source.citation)
        for note in card.notes:
            assert note.brief is not None and len(note.brief) <= 120, (card_id, note.brief)
            assert ("differ" in note.text) == ("differ" in note.short), (card_id, note.brief)
