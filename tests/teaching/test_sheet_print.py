"""Printed sheets: the code on every page, no problem split across pages, one student per page (Chromium)."""

from __future__ import annotations

import re
import sys
from html import escape
from pathlib import Path

import pytest

import dosecalc
from dosecalc import DISCLAIMER
from dosecalc.render.html import sheets_html
from dosecalc.results import Sheet
from dosecalc.teaching.exercises import answer_text

from ..helpers import chromium_or_skip, pdf_pages, run

#: A class whose names would break a page that did not escape them, in HTML and in CSS strings.
STUDENTS = ("Ana Lima", 'Zoë "Z" O\'Brien </style><script>alert(1)</script>', "Tom\\ Ng")


def flat(text: str) -> str:
    return " ".join(text.split())


def class_sheets(count: int = 8, key: bool = False) -> list[Sheet]:
    made = dosecalc.exercises(count=count, seed=2028, students=list(STUDENTS), key=key)
    assert [sheet.student for sheet in made] == list(STUDENTS)
    return list(made)


def test_a_worksheet_has_a_name_line_the_code_the_rules_and_an_answer_blank_per_problem() -> None:
    sheet = dosecalc.exercises(count=6, seed=3)
    page = sheet.as_text("html")
    assert page.count(f"Sheet code <strong>{sheet.code}</strong>") == 1
    assert 'content: "Sheet ' + sheet.code + '"' in page  # in the margin of every printed page
    assert "Name: <span" in page and "Date: <span" in page and "Class: <span" in page
    for line in sheet.convention.lines(p.unit for p in sheet):
        assert escape(line) in page
    blanks = re.findall(r'Answer: <span class="blank"></span> ([^<]+)</p>', page)
    assert blanks == [problem.unit for problem in sheet]
    assert page.count('<div class="working">') == len(sheet)
    assert page.count(DISCLAIMER) == 2
    key = sheet.key().as_text("html")
    assert [answer_text(p) for p in sheet] == re.findall(r'<p class="answer">Answer: ([^<]+)</p>', key)
    assert 'class="blank"' not in key


def test_a_class_in_one_page_keeps_each_name_inert_and_each_code_on_its_own_pages() -> None:
    sheets = class_sheets(3)
    page = sheets_html(sheets)
    assert "<script>" not in page
    assert page.count("</style>") == 1  # the style element is not ended by a name
    for index, sheet in enumerate(sheets, 1):
        assert f'@page sheet-{index}-1 {{ @top-right {{ content: "Sheet {sheet.code}"' in page
        assert f'<section class="sheet" id="sheet-{index}" data-code="{sheet.code}">' in page
    assert 'Name: <span class="name">Zoë &quot;Z&quot; O&#x27;Brien &lt;/style&gt;' in page
    assert len({sheet.code for sheet in sheets}) == len(STUDENTS)


def test_a_class_in_markdown_names_each_student_once_with_its_code() -> None:
    from dosecalc.render.text import sheets_markdown

    sheets = dosecalc.exercises(count=2, seed=2028, students=list(STUDENTS))
    text = sheets_markdown(sheets)
    assert text.count("Name: ") == len(STUDENTS) and "<script>" not in text
    for sheet in sheets:
        assert text.count(f"Sheet code **{sheet.code}**") == 1


def _check_pages(pages: list[str], sheets: list[Sheet], blank: int = 0) -> None:
    """Every page carries its sheet's code and its page of that sheet ("Page 2 of 3"); each problem (with its
    key's answer and steps) lies wholly on one page; each sheet's pages follow one another, its header on the
    first; no page holds only the disclaimer (every page holds a problem, but the ``blank`` pages that pad a
    sheet for two-sided printing, which come last in their sheet)."""
    assert pages
    owner = []
    for number, text in enumerate(pages, 1):
        codes = [sheet.code for sheet in sheets if f"Sheet {sheet.code}" in text]
        assert len(codes) == 1, (number, text[:300])
        owner.append(codes[0])
    assert owner == sorted(owner, key=[sheet.code for sheet in sheets].index)  # each sheet's pages together
    blanks = 0
    for sheet in sheets:
        own = [flat(text) for text, code in zip(pages, owner, strict=True) if code == sheet.code]
        for number, text in enumerate(own, 1):
            assert f"Page {number} of {len(own)}" in text, text[-200:]  # numbered within the student's sheet
            if "(level " not in text:
                assert number == len(own) and "left blank for two-sided printing" in text, text
                blanks += 1
        assert f"Sheet code {sheet.code}" in own[0]
        if sheet.student is not None:
            assert all(flat(sheet.student) in text for text in own)  # the margin names the student on each page
            others = [s.student for s in sheets if s.student != sheet.student]
            assert not any(flat(other or "") in text for other in others for text in own)
        for problem in sheet:
            block = [flat(f"{problem.number}. (level {problem.level}) {problem.question}")]
            if sheet.is_key:
                block += [flat(f"Answer: {answer_text(problem)}"), *map(flat, problem.steps)]
            else:
                block.append(flat(f"Answer: {problem.unit}"))
            holding = [text for text in own if all(part in text for part in block)]
            assert len(holding) == 1, (problem.number, block)
    assert blanks == blank


@pytest.mark.parametrize("key", [False, True], ids=["worksheet", "answer key"])
def test_a_printed_sheet_carries_its_code_on_every_page_and_splits_no_problem(tmp_path: Path, key: bool) -> None:
    binary = chromium_or_skip()
    sheet = dosecalc.exercises(count=15, seed=7, key=key)
    page = tmp_path / "sheet.html"
    page.write_text(sheet.as_text("html"), encoding="utf-8")
    pages = pdf_pages(binary, page)
    assert len(pages) >= 3  # 15 problems with working space, or with their steps, fill several pages
    _check_pages(pages, [sheet])


def test_a_printed_class_gives_each_student_their_own_pages(tmp_path: Path) -> None:
    binary = chromium_or_skip()
    made = dosecalc.exercises(count=8, seed=2028, students=list(STUDENTS))
    sheets = list(made)
    page = tmp_path / "class.html"
    page.write_text(made.as_text("html"), encoding="utf-8")
    pages = pdf_pages(binary, page)
    assert len(pages) >= 2 * len(sheets)
    _check_pages(pages, sheets)


def test_a_printable_sheet_needs_no_optional_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = run("exercises", "-n", "3", "--seed", "4", "-f", "html")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>") and 'class="problem"' in result.stdout


def test_a_printed_practice_page_shows_its_problems(tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from dosecalc.web.app import create_app

    binary = chromium_or_skip()
    sheet = dosecalc.exercises(count=3, seed=5)
    assert isinstance(sheet, Sheet)
    client = TestClient(create_app())
    html = client.get("/practice", params={"sheet": sheet.code}).text  # the questions are in the form alone
    style = client.get("/static/style.css").text
    (tmp_path / "style.css").write_text(style, encoding="utf-8")
    page = tmp_path / "practice.html"
    page.write_text(html.replace('href="/static/style.css"', 'href="style.css"'), encoding="utf-8")
    printed = flat(" ".join(pdf_pages(binary, page)))
    for problem in sheet:
        assert flat(problem.question) in printed  # the form that holds them prints
    assert "Check my answers" not in printed  # its button does not


def test_a_class_prints_without_disclaimer_pages_and_numbers_each_students_pages(tmp_path: Path) -> None:
    binary = chromium_or_skip()
    names = [f"Student {n}" for n in range(1, 6)]
    made = dosecalc.exercises(count=10, seed=2024, students=names)
    page = tmp_path / "class.html"
    page.write_text(made.as_text("html"), encoding="utf-8")
    pages = pdf_pages(binary, page)
    # 10 problems a student: 2 under the heading, 3, 3, then 2 with the closing disclaimer = 4 pages; x 5 students
    # (before, each student's closing disclaimer took a page of its own)
    assert len(pages) == 20
    _check_pages(pages, list(made))


@pytest.mark.parametrize(("count", "per_student"), [(8, 4), (5, 2)], ids=["3 pages padded to 4", "2 pages as they are"])
def test_duplex_pads_each_sheet_to_an_even_number_of_pages(tmp_path: Path, count: int, per_student: int) -> None:
    binary = chromium_or_skip()
    names = ["Ana Lima", "Ben Okafor", "Chi Wu"]
    page = tmp_path / "class.html"
    done = run(
        "exercises", "-n", str(count), "--seed", "2024", "--students", "-", "-f", "html", "--duplex", "-o", str(page),
        stdin="student\n" + "\n".join(names) + "\n",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    pages = pdf_pages(binary, page)
    # 8 problems: 2 + 3 + 3 = 3 pages, and a blank one; 5 problems: 2 + 3 = 2 pages, even already
    assert len(pages) == per_student * len(names)
    made = dosecalc.exercises(count=count, seed=2024, students=names)
    _check_pages(pages, list(made), blank=len(names) if per_student == 4 else 0)
    for start in range(0, len(pages), per_student):  # every student starts on a front (an odd page)
        assert f"Page 1 of {per_student}" in flat(pages[start])


def test_duplex_is_for_printed_html_only() -> None:
    done = run("exercises", "-n", "3", "--seed", "4", "-f", "markdown", "--duplex")
    assert done.exit_code == 2 and "--duplex: pads printed pages: give it with --format html" in done.stderr
