"""The web app as a person uses it: ``dosecalc serve`` started for real, driven in Debian's headless Chromium
by Playwright (no browser download): the calculator, a bad weight, a practice session, the keyboard alone,
phone width and 200 % zoom, and an axe-core audit of every page.

Under ``CI=true`` these fail rather than skip when Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dosecalc import DISCLAIMER, api
from dosecalc.results import Marks, Sheet

CHROMIUM = "/usr/bin/chromium"


def _need(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the browser tests: {reason}")
    pytest.skip(reason)


try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None  # type: ignore[assignment]

pytest.importorskip("fastapi")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``dosecalc serve`` on a free loopback port, as the README starts it; stopped after the module."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "dosecalc", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    out, err = process.communicate()
                    pytest.fail(f"dosecalc serve did not start:\n{out}\n{err}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if sync_playwright is None:
        _need("the playwright package is not installed (pip install '.[test]')")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _need("Debian's chromium is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened
    context.close()
    # a 422 page logs the status; anything else (a CSP refusal, a missing file) is a fault
    assert [p for p in problems if "422" not in p] == []


def test_the_server_says_where_it_is(server: str) -> None:
    with urllib.request.urlopen(f"{server}/") as answer:
        assert DISCLAIMER in answer.read().decode()


def test_fill_the_calculator_and_read_the_table(page: Page, server: str) -> None:
    page.goto(server + "/")
    page.get_by_label("Weight").fill("154 lb")
    page.get_by_label("rate-0.35-mg-kg-h: Ketamine at up to 0.35 mg/kg/h", exact=False).check()
    page.get_by_label("Concentration").fill("100 mg in 50 mL")
    page.get_by_role("button", name="Calculate").click()
    page.wait_for_selector("#dose-table")
    headers = page.locator("#dose-table thead th").all_inner_texts()
    cells = page.locator("#dose-table tbody tr").first.locator("th, td").all_inner_texts()
    row = dict(zip([" ".join(h.split()) for h in headers], cells, strict=True))
    # 154 lb x 0.45359237 kg/lb = 69.853 kg; x 0.35 mg/kg/h = 24.449 mg/h -> 24.4; / 2 mg/mL = 12.224 mL/h -> 12.2
    assert row["Regimen"] == "rate-0.35-mg-kg-h"
    assert row["Rate (mg/h)"] == "24.4"
    assert row["Pump rate (mL/h)"] == "12.2"
    assert "weight=154+lb" in page.url  # the result is a link
    assert page.get_by_label("Weight").input_value() == "154 lb"


def test_bad_weight_message_beside_the_field(page: Page, server: str) -> None:
    page.goto(server + "/")
    page.get_by_label("Weight").fill("70,5 kg")
    page.get_by_role("button", name="Calculate").click()
    message = page.locator("#weight-error")
    message.wait_for()
    said = " ".join((message.text_content() or "").split())
    assert said == "Error: '70,5 kg' uses a decimal comma; write 70.5 kg"
    field = page.locator("#weight")
    assert field.input_value() == "70,5 kg"
    assert field.get_attribute("aria-invalid") == "true"
    # beside: the message and the field share one field box, the message just above the input
    box = page.locator(".field", has=page.locator("#weight"))
    assert box.locator("#weight-error").count() == 1
    message_box, field_box = message.bounding_box(), field.bounding_box()
    assert message_box and field_box and 0 <= field_box["y"] - (message_box["y"] + message_box["height"]) < 40
    assert page.locator("#dose-table").count() == 0
    page.get_by_role("link", name=re.compile("Weight:")).click()  # the summary at the top leads to the field
    assert page.evaluate("document.activeElement.id") == "weight"


def test_practice_session_right_wrong_unreadable(page: Page, server: str) -> None:
    page.goto(server + "/practice")
    page.get_by_label("Number of problems").fill("4")
    page.get_by_label("Conventions").select_option("whole-ml-h")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("#answer-1")
    code = page.locator("strong.code").inner_text()
    assert f"sheet={code}" in page.url  # the session lives in the code: a link gives the same sheet
    marked = api.mark({}, sheet=code)  # the sheet the code names, with its key
    assert isinstance(marked, Marks)
    first = marked.sheet[0]
    page.get_by_label("Answer to problem 1").fill(f"{first.answer!r} {first.unit}")
    page.get_by_label("Answer to problem 2").fill("0.0001")
    page.get_by_label("Answer to problem 3").fill("twelve")
    page.get_by_role("button", name="Check my answers").click()
    page.wait_for_selector("#answer-3-error")  # refused before marking, the work kept
    assert "is not a number" in page.locator("#answer-3-error").inner_text()
    assert page.get_by_label("Answer to problem 3").input_value() == "twelve"
    assert page.get_by_label("Answer to problem 2").input_value() == "0.0001"
    assert page.locator("#answered").inner_text() == "3 of 4 answered; not answered: problem 4."
    page.get_by_label("Answer to problem 3").fill("12")
    page.get_by_role("button", name="Change and check again").click()
    page.wait_for_selector("#score-title")
    library = api.mark({1: f"{first.answer!r} {first.unit}", 2: "0.0001", 3: "12"}, sheet=code)
    assert isinstance(library, Marks)  # what check says of the same answers, the page says
    assert page.locator("#score-title").inner_text() == f"Score: {library.right} of 4 right"
    assert page.locator("#mark-1 .status").inner_text() == "Right"
    assert page.locator("#mark-2 .status").inner_text() == "Wrong"
    assert page.locator("#mark-3 .status").inner_text() == library.marks[2].status.capitalize()
    assert page.locator("#mark-4 .status").inner_text() == "No answer"
    second = marked.sheet[1]
    assert page.locator("#mark-2 ol.steps li").count() == len(second.steps)  # the worked steps of a wrong answer
    assert page.get_by_label("Answer to problem 2").input_value() == "0.0001"  # the marked page keeps the work
    page.get_by_role("link", name="start this sheet afresh").click()  # the same sheet again, by its code
    page.wait_for_selector("#answer-1")
    assert page.locator("strong.code").inner_text() == code


def _tab_to(page: Page, selector: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    pytest.fail(f"{selector} cannot be reached with the Tab key")


def test_keyboard_only(page: Page, server: str) -> None:
    page.goto(server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    page.keyboard.press("Enter")
    _tab_to(page, "#weight")
    page.keyboard.type("80 kg")
    _tab_to(page, "#regimen-2")
    page.keyboard.press("Space")
    _tab_to(page, "#explain")
    page.keyboard.press("Space")
    _tab_to(page, "button[type=submit]")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused control shows it"
    page.keyboard.press("Enter")
    page.wait_for_selector("#dose-table")
    assert page.locator("#dose-table tbody tr").count() == 1
    # 0.35 mg/kg/h x 80 kg = 28 mg/h, above the 25 mg/h cap
    assert page.locator("#dose-table tbody tr td").first.inner_text() == "25 (cap)"
    assert page.locator("#steps-title").count() == 1
    # every page of the navigation is reachable by keyboard
    page.goto(server + "/")
    _tab_to(page, "nav a[href='/practice']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/practice")
    _tab_to(page, "#sheet")


PAGES = [
    "/",
    "/?weight=154+lb&concentration=100+mg+in+50+mL&explain=on",
    "/?weight=70%2C5+kg",
    "/schedule?regimen=initial-80-mg-2-h&weight=70+kg&step=30+min",
    "/simulate?regimen=rate-22-mg-h&weight=70+kg&compare=rate-0.35-mg-kg-h",
    "/cards",
    "/cards/rate-0.35-mg-kg-h",
    "/practice",
    "/practice?sheet=" + api.exercises(3, 4).code,  # type: ignore[union-attr]
    "/teacher",  # the empty form; the sheets it makes (a POST) are audited in the teacher's test below
]


def _assert_axe_clean(opened: Any) -> None:
    """No serious or critical axe-core finding on the page, with every <details> opened."""
    from axe_playwright_python.sync_playwright import Axe

    opened.locator("details").evaluate_all("(all) => all.forEach((d) => d.open = true)")
    results = Axe().run(opened)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in bad]


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violation(browser: Browser, server: str, path: str) -> None:

    context = browser.new_context(bypass_csp=True)  # to inject axe-core itself; the page is unchanged
    try:
        opened = context.new_page()
        opened.goto(server + path)
        _assert_axe_clean(opened)
    finally:
        context.close()


@pytest.mark.parametrize("width", [320, 640], ids=["phone-width", "zoom-200-percent"])
@pytest.mark.parametrize("path", PAGES)
def test_no_sideways_scrolling_at_phone_width_or_200_percent_zoom(
    browser: Browser, server: str, path: str, width: int
) -> None:
    # 200 % zoom of a 1280 px window lays the page out at 640 CSS px; a phone is about 320 to 400 px wide
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        opened = context.new_page()
        opened.goto(server + path)
        overflow = opened.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow} px at {width} px"
        assert DISCLAIMER in opened.locator("main").inner_text()
    finally:
        context.close()


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """``dosecalc serve --teacher-key FILE`` on a free loopback port: its address and the login code it printed."""
    key_file = tmp_path_factory.mktemp("key") / "teacher.key"
    api.new_teacher_key(key_file)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "dosecalc", "serve", "--port", str(port), "--teacher-key", str(key_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        code = ""
        for line in process.stderr:  # the address, then the login code, before the server answers
            found = re.search(r"with the code ([0-9A-Z-]+) ", line)
            if found:
                code = found.group(1)
                break
        assert code, "dosecalc serve printed no login code"
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "dosecalc serve did not start"
                time.sleep(0.2)
        yield base, code
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_teacher_logs_in_and_makes_sheets_by_keyboard_with_no_name_in_an_address(
    browser: Browser, keyed_server: tuple[str, str]
) -> None:
    server, code = keyed_server
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    problems: list[str] = []
    addresses: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "401" not in m.text else None)
        page.on("request", lambda request: addresses.append(request.url))
        page.goto(server + "/teacher")  # not logged in: the login form, by keyboard
        _tab_to(page, "#code")
        page.keyboard.type(code.lower())
        page.keyboard.press("Enter")
        page.wait_for_selector("#count")  # the teacher's form, at the same address once logged in
        _tab_to(page, "#count")
        page.keyboard.press("Control+A")
        page.keyboard.type("3")
        _tab_to(page, "#students")
        page.keyboard.type("Ann Smith")
        page.keyboard.press("Enter")
        page.keyboard.type("Bo Lee")
        _tab_to(page, "form.calc[action='/teacher#outcome'] button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_selector("#sheets-table")
        assert page.url == server + "/teacher#outcome"  # the sheets in view; no name in the address
        rows = page.locator("#sheets-table tbody tr")
        assert rows.count() == 2 and "graded" in page.locator("main").inner_text()
        seed = page.locator("#seed").input_value()
        assert seed.isdigit(), "a blank seed was drawn and shown"
        for _ in range(80):  # past Log out and the first worksheets, to Ann Smith's answer key as JSON
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent").startswith("answer key (JSON)"):
                break
        else:
            pytest.fail("the answer key's button cannot be reached with the Tab key")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        saved = download.value.path()
        assert saved is not None and '"graded": true' in saved.read_text(encoding="utf-8")
        assert [a for a in addresses if "Ann" in a or "Bo" in a or "Smith" in a] == []
        assert problems == []
    finally:
        context.close()


def test_axe_on_the_login_and_the_teachers_sheets(browser: Browser, keyed_server: tuple[str, str]) -> None:
    from axe_playwright_python.sync_playwright import Axe

    server, code = keyed_server
    context = browser.new_context(bypass_csp=True)  # to inject axe-core itself; the page is unchanged
    try:
        page = context.new_page()
        page.goto(server + "/teacher/login")
        for made in ("login", "sheets"):
            results = Axe().run(page)
            bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
            assert bad == [], (made, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in bad])
            if made == "login":
                page.get_by_label("Login code").fill(code)
                page.get_by_role("button", name="Log in").click()
                page.get_by_label("Students").fill("Ann\nBo")
                page.get_by_role("button", name="Make the sheets").click()
                page.wait_for_selector("#sheets-table")
        page.set_viewport_size({"width": 320, "height": 800})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the teacher's sheets scroll sideways by {overflow} px at 320 px"
    finally:
        context.close()


def test_a_teacher_marks_a_class_by_uploading_its_answers(browser: Browser, server: str, tmp_path: Path) -> None:
    from axe_playwright_python.sync_playwright import Axe

    sheet = api.exercises(2, 31, key=True)
    assert isinstance(sheet, Sheet)
    answers = tmp_path / "class.csv"
    answers.write_text(f"student,sheet,1,2\nAna,{sheet.code},{sheet[0].answer!r},1\nBo,{sheet.code},,\n")
    context = browser.new_context(bypass_csp=True)  # to inject axe-core itself; the page is unchanged
    try:
        page = context.new_page()
        page.goto(server + "/teacher")
        page.get_by_label("Answers file (CSV)").set_input_files(str(answers))
        page.get_by_role("button", name="Mark the answers").click()
        page.wait_for_selector("#gradebook-table")
        rows = page.locator("#gradebook-table tbody tr")
        assert rows.count() == 2 and rows.nth(0).locator("th").inner_text() == "Ana"
        assert page.locator("section.feedback").count() == 2
        results = Axe().run(page)
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert bad == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in bad]
    finally:
        context.close()


def _dose_table_at(browser: Browser, server: str, width: int, **options: Any) -> tuple[Any, Page]:
    context = browser.new_context(viewport={"width": width, "height": 844}, **options)
    opened = context.new_page()
    opened.goto(server + "/")
    opened.get_by_label("Weight").fill("70 kg")
    opened.get_by_label("Concentration").fill("2 mg/mL")
    opened.get_by_role("button", name="Calculate").click()
    opened.wait_for_selector("#dose-table")
    return context, opened


def test_at_390_px_the_dose_columns_show_beside_the_names_and_the_result_is_in_view(
    browser: Browser, server: str
) -> None:
    context, opened = _dose_table_at(browser, server, 390)
    try:
        # the form's action ends in #outcome: the page lands on the result, with no script
        assert opened.url.endswith("#outcome")
        heading = opened.locator("#result-title").bounding_box()
        assert heading is not None and 0 <= heading["y"] < 844, heading
        assert opened.evaluate("window.scrollY") > 0
        table = opened.locator("#dose-table")
        table.scroll_into_view_if_needed()
        name = opened.locator("#dose-table tbody tr").first.locator("th")
        rate = opened.locator("#dose-table tbody tr").first.locator("td").first
        name_box, rate_box = name.bounding_box(), rate.bounding_box()
        assert name_box and rate_box
        assert name_box["width"] <= 0.35 * 390, f"the name column takes {name_box['width']} px of 390"
        beside = name_box["x"] + name_box["width"] - 1 <= rate_box["x"] and rate_box["x"] + rate_box["width"] <= 390
        assert beside, "the rate shows beside the name, in the window"
        visible = opened.evaluate(
            """() => [...document.querySelectorAll('#dose-table thead th')]
                   .filter((th) => { const b = th.getBoundingClientRect(); return b.left >= 0 && b.right <= 390; })
                   .length"""
        )
        assert visible >= 3, f"the name and at least two figures in view; {visible} columns shown"
        # no figure is broken across lines ("980 (10 x)"): every figure cell is one line high
        broken = opened.evaluate(
            """() => [...document.querySelectorAll('#dose-table tbody td')]
                   .filter((td) => td.getClientRects().length && td.querySelector('*') === null)
                   .filter((td) => { const r = document.createRange(); r.selectNodeContents(td);
                                     return r.getClientRects().length > 1; })
                   .map((td) => td.textContent)"""
        )
        assert broken == [], broken
        # scrolled to its last column, the table keeps the names in view beside it
        opened.locator(".table-wrap").first.evaluate("(box) => box.scrollLeft = box.scrollWidth")
        last = opened.locator("#dose-table tbody tr").first.locator("td").last.bounding_box()
        moved = name.bounding_box()
        assert last and moved and last["x"] + last["width"] <= 391 and moved["x"] == pytest.approx(name_box["x"], abs=1)
        assert last["x"] >= moved["x"] + moved["width"] - 1, "the last figure is not hidden under the names"
    finally:
        context.close()


def test_printing_the_calculator_prints_the_result_and_not_the_form(browser: Browser, server: str) -> None:
    # an A4 page's printable width at 96 px an inch: 210 mm - 2 x 10 mm margins = 190 mm = 718 px
    context, opened = _dose_table_at(browser, server, 718)
    try:
        opened.emulate_media(media="print")
        assert not opened.locator("form.calc").is_visible()
        assert not opened.locator("header").is_visible()
        assert opened.locator("#dose-table").is_visible()
        assert opened.locator("p.disclaimer").is_visible() and DISCLAIMER in opened.locator("p.disclaimer").inner_text()
        assert opened.locator("footer .disclaimer-line").is_visible()
        wrap = opened.locator(".table-wrap").first
        assert wrap.evaluate("(box) => box.scrollWidth <= box.clientWidth"), "every column on the paper"
        # the page's text before the result is the disclaimer and the title, no form
        result_top = opened.locator("#outcome").bounding_box()
        assert result_top is not None and result_top["y"] < 300, result_top
    finally:
        context.close()


def _luminance_of(rgb: str) -> float:
    """WCAG relative luminance of a computed ``rgb(r, g, b)``: channels linearised (c / 12.92 up to 0.04045,
    else ((c + 0.055) / 1.055) ** 2.4), then 0.2126 R + 0.7152 G + 0.0722 B."""
    channels = [int(part) / 255 for part in re.findall(r"\d+", rgb)[:3]]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _ratio(one: str, other: str) -> float:
    lighter, darker = sorted((_luminance_of(one), _luminance_of(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_focus_ring_on_the_header_is_3_to_1(browser: Browser, server: str, scheme: str) -> None:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, color_scheme=scheme)  # type: ignore[arg-type]
    try:
        opened = context.new_page()
        opened.goto(server + "/cards")
        _tab_to(opened, "nav a[href='/practice']")
        ring = opened.evaluate("getComputedStyle(document.activeElement).outlineColor")
        header = opened.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
        page_ground = opened.evaluate("getComputedStyle(document.body).backgroundColor")
        assert _ratio(ring, header) >= 3 and _ratio(ring, page_ground) >= 3, (ring, header, page_ground)
    finally:
        context.close()


DARK_PAGES = [
    "/?weight=154+lb&concentration=100+mg+in+50+mL&explain=on",
    "/?weight=70%2C5+kg&duration=soon",
    "/schedule?regimen=initial-80-mg-2-h&weight=70+kg&step=30+min",
    "/simulate?regimen=rate-22-mg-h&weight=70+kg",
    "/cards",
    "/practice?sheet=" + api.exercises(3, 4).code,  # type: ignore[union-attr]
    "/teacher",
]


@pytest.mark.parametrize("path", DARK_PAGES)
def test_dark_colour_scheme_is_dark_and_passes_axe(browser: Browser, server: str, path: str) -> None:

    context = browser.new_context(bypass_csp=True, color_scheme="dark")  # bypass: to inject axe-core itself
    try:
        opened = context.new_page()
        opened.goto(server + path)
        ground = opened.evaluate("getComputedStyle(document.body).backgroundColor")
        text = opened.evaluate("getComputedStyle(document.body).color")
        assert _luminance_of(ground) < 0.05 and _ratio(text, ground) >= 4.5, (ground, text)
        _assert_axe_clean(opened)
    finally:
        context.close()


@pytest.mark.parametrize("path", PAGES)
def test_landmark_and_region_names_are_unique(page: Page, server: str, path: str) -> None:
    page.goto(server + path)
    names = page.evaluate(
        """() => [...document.querySelectorAll('nav, [role=region], section[aria-labelledby], section[aria-label]')]
            .map((el) => {
                const by = el.getAttribute('aria-labelledby');
                const name = by ? by.split(' ').map((id) => document.getElementById(id).textContent).join(' ')
                                : (el.getAttribute('aria-label') || '');
                return (el.tagName === 'NAV' ? 'navigation ' : 'region ') + name.trim();
            })"""
    )
    assert len(names) == len(set(names)), names
