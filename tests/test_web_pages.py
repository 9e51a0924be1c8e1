"""The web pages with the test client: the disclaimer and no outside address on every page, the figures of
the command line's tables, messages beside their fields, escaping of card text, practice and teacher flows."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecalc import DISCLAIMER, api
from dosecalc.results import Marks, Sheet
from dosecalc.web.app import create_app

from .helpers import GOOD, run

#: A page of every kind, with a result where the page has one.
PAGES = [
    "/",
    "/?weight=154+lb&concentration=100+mg+in+50+mL&drop_factor=20+gtt%2FmL&explain=on",
    "/?weight=70%2C5+kg",
    "/schedule",
    "/schedule?regimen=initial-80-mg-2-h&weight=70+kg&step=30+min&explain=on",
    "/simulate",
    "/simulate?regimen=rate-22-mg-h&weight=70+kg&compare=rate-0.35-mg-kg-h",
    "/cards",
    "/cards/rate-22-mg-h",
    "/cards/no-such-card",
    "/practice",
    "/practice?sheet=" + api.exercises(3, 4).code,  # type: ignore[union-attr]
    "/teacher",
    "/teacher/login",
    "/no-such-page",
]

#: Attributes that make a browser fetch or go somewhere.
ADDRESS_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster", "data", "xlink:href", "background"}


@dataclass
class Form:
    """A form on a page: where it goes, how, its hidden fields and its button's text."""

    action: str
    method: str
    hidden: list[tuple[str, str]]
    button: str

    def send(self, client: TestClient) -> Any:
        """The form submitted as a browser submits it (a POST of its hidden fields)."""
        assert self.method == "post", self
        return client.post(self.action, data=dict_of(self.hidden))


def dict_of(pairs: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """Form fields as the test client posts them, a repeated name as a list."""
    made: dict[str, list[str]] = {}
    for name, value in pairs:
        made.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in made.items()}


def downloads(page: Page) -> dict[str, Form]:
    """The download forms of a teacher's page, by button text."""
    return {form.button: form for form in page.forms if form.action == "/teacher/sheet"}


class Page(HTMLParser):
    """The addresses a page refers to, its text, tables (by id), and each element's id -> text."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.text: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.inline_styles = 0
        self.scripts = 0
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.by_id: dict[str, list[str]] = {}
        self._open_ids: list[tuple[str, str]] = []
        self.inputs: dict[str, dict[str, str | None]] = {}
        self.forms: list[Form] = []
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name, value in attrs:
            if name in ADDRESS_ATTRIBUTES or name.endswith(":href"):
                self.addresses.append(value or "")
            if name == "style":
                self.inline_styles += 1
        if tag in ("script", "style"):
            self.scripts += 1
        if tag == "input" and found.get("id"):
            self.inputs[str(found["id"])] = found
        if tag == "form":
            self.forms.append(Form(str(found.get("action")), str(found.get("method")), [], ""))
        elif tag == "input" and found.get("type") == "hidden" and self.forms:
            self.forms[-1].hidden.append((str(found.get("name")), str(found.get("value"))))
        elif tag == "button":
            self._button = []
        if tag == "table" and found.get("id"):
            self._table = str(found["id"])
            self.tables[self._table] = []
        elif self._table and tag == "tr":
            self.tables[self._table].append([])
        elif self._table and tag in ("td", "th"):
            self._cell = []
        if found.get("id") and tag not in ("input", "br"):
            self._open_ids.append((tag, str(found["id"])))
            self.by_id[str(found["id"])] = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None and self.forms:
            self.forms[-1].button = " ".join("".join(self._button).split())
            self._button = None
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        if self._open_ids and self._open_ids[-1][0] == tag:
            self._open_ids.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._button is not None:
            self._button.append(data)
        if self._cell is not None:
            self._cell.append(data)
        for _, element in self._open_ids:
            self.by_id[element].append(data)

    def said(self, element: str) -> str:
        return " ".join("".join(self.by_id.get(element, [])).split())

    @property
    def all_text(self) -> str:
        return " ".join("".join(self.text).split())


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_the_disclaimer_and_no_outside_address(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (200, 404, 422), response.text
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.all_text.count(DISCLAIMER) >= 2, "the disclaimer at the top and at the foot"
    for address in page.addresses:
        assert address.startswith(("/", "#", "?")) and not address.startswith("//"), address
    assert page.scripts == 0 and page.inline_styles == 0, "nothing the Content-Security-Policy would block"


def test_stylesheet_loads_nothing_from_outside(client: TestClient) -> None:
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "url(" not in css.text and "@import" not in css.text


def test_calculator_shows_the_command_line_figures(client: TestClient) -> None:
    query = {"weight": "154 lb", "regimen": "rate-0.35-mg-kg-h", "concentration": "100 mg in 50 mL"}
    page = parse(client.get("/", params=query).text)
    header, row = page.tables["dose-table"]
    # 154 lb x 0.45359237 kg/lb = 69.853 kg; 0.35 mg/kg/h x 69.853 kg = 24.449 mg/h -> 24.4 mg/h;
    # x 4 h = 97.795 mg -> 97.8 mg; / (100 mg / 50 mL = 2 mg/mL) = 12.224 mL/h -> 12.2 mL/h
    cells = dict(zip(header, row, strict=True))
    assert cells["Rate (mg/h)"] == "24.4"
    assert cells["Dose per session (mg)"] == "97.8"
    assert cells["Pump rate (mL/h)"] == "12.2"
    assert "Patient: 154 lb = 69.9 kg" in page.all_text
    markdown = run(
        "table",
        "--weight",
        "154 lb",
        "--regimen",
        "rate-0.35-mg-kg-h",
        "--concentration",
        "100 mg in 50 mL",
        "--format",
        "markdown",
    )
    lines = [line for line in markdown.stdout.splitlines() if line.startswith("| rate-0.35")]
    assert [cell.strip() for cell in lines[0].strip("|").split("|")] == row


def test_worked_steps_on_request(client: TestClient) -> None:
    page = parse(client.get("/", params={"weight": "154 lb", "regimen": "rate-0.35-mg-kg-h", "explain": "on"}).text)
    assert "rate: 0.35 mg/kg/h × 69.853 kg = 24.449 mg/h, rounded 24.4 mg/h" in page.all_text


def test_bad_weight_message_is_beside_its_field_with_the_text_kept(client: TestClient) -> None:
    response = client.get("/", params={"weight": "70,5 kg"})
    assert response.status_code == 422
    page = parse(response.text)
    cli = run("table", "--weight", "70,5 kg")
    message = cli.stderr.strip().removeprefix("error: --weight: ")
    assert page.said("weight-error") == f"Error: {message}"
    assert page.inputs["weight"]["value"] == "70,5 kg"
    assert page.inputs["weight"]["aria-invalid"] == "true"
    assert "weight-error" in str(page.inputs["weight"]["aria-describedby"])
    assert "dose-table" not in page.tables


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"weight": "70 kg", "sessions": "many"}, "sessions"),
        ({"weight": "70 kg", "regimen": "nope"}, "regimen"),
        ({"weight": "70 kg", "drop_factor": "20 gtt", "concentration": "2 mg/mL"}, "drop_factor"),
        ({"weight": "x" * 101}, "weight"),
    ],
    ids=["sessions-text", "regimen-unknown", "drop-factor-kind", "weight-too-long"],
)
def test_each_field_gets_its_own_message(client: TestClient, query: dict[str, str], field: str) -> None:
    response = client.get("/", params=query)
    assert response.status_code == 422
    assert parse(response.text).said(f"{field}-error").startswith("Error: ")


def test_card_markup_shows_as_text(tmp_path: Path) -> None:
    folder = tmp_path / "cards"
    folder.mkdir()
    hostile = GOOD.replace(
        'title = "Teaching example: 1 mg/kg over 1 hour"', 'title = "<script>alert(1)</script><b>bold</b>"'
    ).replace('says = "1 mg/kg over one hour."', 'says = "<img src=x onerror=alert(1)>"')
    (folder / "mine.toml").write_text(hostile, encoding="utf-8")
    client = TestClient(create_app(folder))
    for path in ("/", "/cards", "/cards/teach-1-mg-kg-1-h", "/?regimen=teach-1-mg-kg-1-h&weight=70+kg"):
        html = client.get(path).text
        assert "<script>" not in html and "<img" not in html and "<b>bold" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html, path


def test_simulation_chart_is_inline_svg_without_style_attributes(client: TestClient) -> None:
    html = client.get("/simulate", params={"regimen": "rate-22-mg-h", "weight": "70 kg"}).text
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "style=" not in svg and "<style" not in svg and "<script" not in svg
    assert svg.count("<polyline") == 1
    assert 'role="img"' in svg


def _code(location: str) -> str:
    return parse_qs(urlsplit(location).query)["sheet"][0]


def test_practice_session_new_sheet_then_marks(client: TestClient) -> None:
    start = client.get(
        "/practice", params={"count": "4", "level": "", "conventions": "whole-ml-h"}, follow_redirects=False
    )
    assert start.status_code == 303
    code = _code(start.headers["location"])
    sheet = client.get(start.headers["location"])
    assert sheet.status_code == 200
    page = parse(sheet.text)
    assert {"answer-1", "answer-2", "answer-3", "answer-4"} <= set(page.inputs)
    assert f'<input type="hidden" name="sheet" value="{code}">' in sheet.text
    key = api.mark({}, sheet=code)  # the key of the sheet the code names
    assert isinstance(key, Marks)
    first = key.sheet[0]
    tenfold = f"{key.sheet[1].answer * 10!r}"  # the decimal point one place out: a common error, diagnosed
    form = {"sheet": code, "answer-1": f"{first.answer!r}", "answer-2": tenfold, "answer-3": "7,16", "answer-4": ""}
    refused = client.post("/practice", data=form)  # an unreadable answer: refused before marking, work kept
    assert refused.status_code == 422, refused.text
    said = parse(refused.text)
    assert "score-title" not in said.by_id
    assert (
        said.said("answer-3-error")
        == "Error: '7,16' uses a decimal comma (7,16); this sheet reads a decimal point: write 7.16"
    )
    assert said.inputs["answer-1"]["value"] == form["answer-1"] and said.inputs["answer-3"]["value"] == "7,16"
    assert said.inputs["answer-3"]["aria-invalid"] == "true" and said.inputs["answer-3"]["inputmode"] == "decimal"
    assert said.said("answered") == "3 of 4 answered; not answered: problem 4."
    form["answer-3"] = "0.0001"
    marked = client.post("/practice", data=form)
    assert marked.status_code == 200, marked.text
    page = parse(marked.text)
    assert page.said("score-title") == "Score: 1 of 4 right"
    assert page.said("mark-1").startswith("Right")
    assert page.said("mark-2").startswith("Wrong") and "Worked steps" in page.said("mark-2")
    assert page.said("mark-3").startswith("Wrong")
    assert page.said("mark-4").startswith("No answer")
    # the marked page keeps every answer in its field, to change and check again
    assert {name: page.inputs[name]["value"] for name in ("answer-1", "answer-2", "answer-3", "answer-4")} == {
        "answer-1": form["answer-1"],
        "answer-2": tenfold,
        "answer-3": "0.0001",
        "answer-4": "",
    }
    assert [form.button for form in page.forms if form.action == "/practice#outcome"] == ["Change and check again"]
    assert page.said("answered") == "3 of 4 answered; not answered: problem 4."
    expected = api.mark({1: form["answer-1"], 2: tenfold, 3: "0.0001", 4: ""}, sheet=code)
    assert isinstance(expected, Marks)
    assert expected.marks[1].diagnosis and expected.marks[1].diagnosis in page.said("mark-2")
    for mark in expected.marks:  # the page says what the library's marking says
        assert mark.reason[1:] in page.said(f"mark-{mark.problem.number}")


def test_practice_with_a_teachers_code(client: TestClient) -> None:
    sheet = api.exercises(count=3, seed=77, conventions="pound-2.2")
    assert isinstance(sheet, Sheet)
    page = parse(client.get("/practice", params={"sheet": sheet.code}).text)
    assert sheet[0].question in page.all_text and "answer-3" in page.inputs
    typo = client.get("/practice", params={"sheet": sheet.code[:-2] + "ZZ"})
    assert typo.status_code == 422
    assert parse(typo.text).said("sheet-error").startswith("Error: ")


def test_practice_form_over_the_limits_is_refused(client: TestClient) -> None:
    sheet = api.exercises(count=2, seed=8)
    assert isinstance(sheet, Sheet)
    assert client.post("/practice", data={"sheet": sheet.code, "answer-1": "1" * 101}).status_code == 422
    assert client.post("/practice", data={"answer-1": "1"}).status_code == 422  # no sheet code
    assert client.get("/practice", params={"count": "21"}).status_code == 422
    assert client.post("/practice", content=b"a=" + b"1" * 70_000).status_code == 413
    # an answer given twice is refused, never chosen between (check says the same of a file)
    twice = f"sheet={sheet.code}&answer-1=1&answer-1=2".encode()
    headers = {"content-type": "application/x-www-form-urlencoded"}
    assert client.post("/practice", content=twice, headers=headers).status_code == 422
    huge = client.post("/practice", content=b"sheet=" + sheet.code.encode() + b"&answer-1=1e1000000", headers=headers)
    assert huge.status_code == 422  # refused beside its field, never a number computed from it
    assert "larger than any answer" in parse(huge.text).said("answer-1-error")


def test_teacher_sheets_download_as_the_library_writes_them(client: TestClient) -> None:
    form = {"count": "3", "seed": "2", "conventions": "standard", "students": "Ann\nBo"}
    page = parse(client.post("/teacher", data=form).text)
    rows = page.tables["sheets-table"]
    made = api.exercises(3, 2, students=["Ann", "Bo"])
    assert [row[:2] for row in rows[1:]] == [["Ann", made[0].code], ["Bo", made[1].code]]
    buttons = downloads(page)
    one = buttons["answer key (JSON), Bo"].send(client)
    assert one.status_code == 200 and "attachment" in one.headers["content-disposition"]
    assert one.text == made[1].key().as_text("json")
    whole = buttons["roster of codes (CSV)"].send(client)
    assert whole.text == made.as_text("csv")
    markdown = client.post("/teacher/sheet", data={"count": "3", "seed": "3", "format": "markdown"})
    assert markdown.text == api.exercises(3, 3).as_text("markdown")
    bad = client.post("/teacher", data={"count": "3", "students": "\n".join(f"s{i}" for i in range(61))})
    assert bad.status_code == 422 and parse(bad.text).said("students-error").startswith("Error: ")


def test_teacher_exports_for_a_learning_platform_are_the_library_s(client: TestClient) -> None:
    page = client.post("/teacher", data={"count": "2", "seed": "4", "conventions": "standard", "variants": "3"})
    assert page.status_code == 200
    buttons = downloads(parse(page.text))
    assert ("variants", "3") in buttons["Moodle XML"].hidden and ("variants", "3") in buttons[
        "QTI 2.1 package (zip)"
    ].hidden
    variants = api.exercises(2, 4, variants=3)
    moodle = buttons["Moodle XML"].send(client)
    assert moodle.status_code == 200 and moodle.content == variants.to_bytes("moodle")
    qti = buttons["QTI 2.1 package (zip)"].send(client)
    assert qti.headers["content-type"] == "application/zip" and qti.content == variants.to_bytes("qti21")
    single = client.post("/teacher/sheet", data={"count": "2", "seed": "4", "format": "gift", "key": "1"})
    assert single.text == api.exercises(2, 4, key=True).as_text("gift")
    refused = client.post("/teacher", data={"count": "2", "students": "Ann", "variants": "2"})
    assert refused.status_code == 422 and "variants" in refused.text


def test_teacher_handout(client: TestClient) -> None:
    pytest.importorskip("matplotlib")
    response = client.get("/teacher/handout", params={"weight": "70 kg", "regimen": "rate-22-mg-h"})
    assert response.status_code == 200
    assert DISCLAIMER in response.text and "attachment" in response.headers["content-disposition"]


@settings(max_examples=60, deadline=None)
@given(
    weight=st.text(max_size=30),
    duration=st.text(max_size=12),
    sessions=st.text(max_size=8),
    regimen=st.sampled_from(["", "rate-22-mg-h", "x<y>"]),
)
def test_calculator_never_fails_on_any_text(weight: str, duration: str, sessions: str, regimen: str) -> None:
    client = TestClient(create_app())
    query: dict[str, Any] = {"weight": weight, "duration": duration, "sessions": sessions}
    if regimen:
        query["regimen"] = regimen
    response = client.get("/", params=query)
    assert response.status_code in (200, 422), response.text
    assert DISCLAIMER in response.text


def test_web_modules_are_not_loaded_by_import_or_by_the_table_command() -> None:
    code = (
        "import sys, dosecalc; from dosecalc.cli import main; main(['table']);"
        "loaded = [m for m in sys.modules if m.startswith(('fastapi', 'starlette', 'uvicorn', 'dosecalc.web'))];"
        "print(loaded)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout


@pytest.mark.parametrize("page, method", [("/practice", "GET"), ("/teacher", "POST")])
def test_a_chosen_level_is_a_level_and_no_path_is_read_from_a_request(
    client: TestClient, page: str, method: str
) -> None:
    def send(form: dict[str, str]) -> Any:
        return client.get(page, params=form) if method == "GET" else client.post(page, data=form)

    for level in ("1", "2", "3"):
        response = send({"count": "3", "level": level, "conventions": "standard"})
        assert response.status_code in (200, 303), (level, response.text[:300])
    for conventions in ("/etc/passwd", "nosuch", "../pyproject.toml"):
        refused = send({"count": "3", "conventions": conventions})
        assert refused.status_code == 422
        assert "TOML" not in refused.text and "cannot read" not in refused.text
        assert "expected one of standard" in refused.text


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/", [("weight", "70 kg"), ("weight", "80 kg")]),
        ("/schedule", [("regimen", "rate-22-mg-h"), ("weight", "70 kg"), ("weight", "80 kg")]),
        ("/simulate", [("regimen", "rate-22-mg-h"), ("sessions", "1"), ("sessions", "2")]),
    ],
    ids=["calculator", "schedule", "simulate"],
)
def test_a_page_refuses_a_field_given_twice(client: TestClient, path: str, query: list[tuple[str, str]]) -> None:
    """A shared link with weight=70kg&weight=80kg was read as 80 kg: refused, with the field named."""
    answer = client.get(path, params=query)
    assert answer.status_code == 422
    assert "is given 2 times; give it once" in answer.text


def test_a_page_refuses_a_field_it_does_not_have(client: TestClient) -> None:
    answer = client.get("/", params={"weight": "70 kg", "wieght": "80 kg"})
    assert answer.status_code == 422
    assert "is not a field of this page" in answer.text


@pytest.mark.parametrize("number", ["²", "٣", "１"], ids=["superscript", "arabic-indic", "fullwidth"])
def test_the_practice_form_ignores_answer_fields_numbered_in_other_digits(client: TestClient, number: str) -> None:
    """'answer-²' once gave a 500 (str.isdigit() is true, int() fails): it is no answer field of the sheet."""
    code = api.exercises(count=3, seed=5).code
    answer = client.post("/practice", data={"sheet": code, f"answer-{number}": "10 mg", "answer-1": "10 mg"})
    assert answer.status_code == 200, answer.text
    text = " ".join(re.sub(r"<[^>]+>", " ", answer.text).split())
    assert "Score: 0 of 3 right" in text  # the sheet marked: problem 1 answered (10 mg for a time), 2 and 3 not
    assert text.count("No answer given.") == 2


def test_practice_under_the_decimal_comma_reads_a_comma_from_a_phone_keypad(client: TestClient) -> None:
    start = client.get(
        "/practice", params={"count": "3", "conventions": "standard", "decimal": "comma"}, follow_redirects=False
    )
    assert start.status_code == 303
    made = api.mark({}, sheet=_code(start.headers["location"]))
    assert isinstance(made, Marks) and made.sheet.convention.decimal == "comma"
    comma = api.exercises(3, 5, decimal="comma")
    point = api.exercises(3, 5)
    assert isinstance(comma, Sheet) and isinstance(point, Sheet)
    # 1,000 mL / 181 mL/h = 5.5249 h, rounded half up to 0.1 h: 5.5 h
    assert comma[0].question == "A 1000 mL bag runs at 181 mL/h. How long does it take to infuse, in h?"
    shown = parse(client.get("/practice", params={"sheet": comma.code}).text)
    assert shown.inputs["answer-1"]["inputmode"] == "decimal"  # a phone's decimal keypad, which may offer only ','
    assert "Decimal comma: write 0,37" in shown.all_text
    marked = client.post("/practice", data={"sheet": comma.code, "answer-1": "5,5", "answer-2": "", "answer-3": ""})
    assert marked.status_code == 200, marked.text
    assert parse(marked.text).said("mark-1").startswith("Right")
    refused = client.post("/practice", data={"sheet": point.code, "answer-1": "5,5"})
    assert refused.status_code == 422
    assert "uses a decimal comma (5,5); this sheet reads a decimal point: write 5.5" in parse(refused.text).said(
        "answer-1-error"
    )


def test_every_field_error_is_reported_at_once(client: TestClient) -> None:
    """Four bad fields: four messages, each beside its own field and each in the summary, still 422."""
    query = {"weight": "70,5 kg", "duration": "abc", "sessions": "many", "concentration": "2 mg"}
    response = client.get("/", params=query)
    assert response.status_code == 422
    page = parse(response.text)
    assert "uses a decimal comma" in page.said("weight-error")
    assert "'abc'" in page.said("duration-error")
    assert "'many'" in page.said("sessions-error")
    assert "is a mass" in page.said("concentration-error")
    summary = page.said("error-summary-title")
    assert summary.startswith("Not calculated")
    links = [address for address in page.addresses if address.startswith("#") and address != "#main"]
    assert links == ["#weight", "#duration", "#concentration", "#sessions"]  # in the form's order
    for label in ("Weight:", "Duration (what-if):", "Concentration:", "Sessions in the course (what-if):"):
        assert label in page.all_text
    assert "dose-table" not in page.tables


def test_every_field_error_on_the_teacher_and_practice_forms(client: TestClient) -> None:
    response = client.post("/teacher", data={"count": "ten", "seed": "x1", "conventions": "nosuch"})
    assert response.status_code == 422
    page = parse(response.text)
    for field in ("count", "seed", "conventions"):
        assert page.said(f"{field}-error").startswith("Error: "), field
    practice = client.get("/practice", params={"count": "many", "conventions": "nosuch"})
    assert practice.status_code == 422
    page = parse(practice.text)
    assert page.said("count-error").startswith("Error: ") and page.said("conventions-error").startswith("Error: ")


def _counted(monkeypatch: pytest.MonkeyPatch, name: str) -> list[object]:
    """The calls the pages make of ``dosecalc.api.<name>``, each still made."""
    calls: list[object] = []
    real = getattr(api, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(api, name, counting)
    return calls


def test_several_bad_fields_are_refused_by_one_call_of_the_library(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = _counted(monkeypatch, "table")
    query = {
        "weight": "70,5 kg",
        "regimen": "initial-80-mg-2-h",
        "duration": "90 min",
        "concentration": "2 mg",
        "sessions": "0",
    }
    response = client.get("/", params=query)
    assert response.status_code == 422
    assert len(tables) == 1, tables  # not once more for each field refused
    page = parse(response.text)
    assert "uses a decimal comma" in page.said("weight-error")
    # 90 min = 1.5 h, under the card's 2 h minimum: refused beside the weight, not after it was fixed
    assert "1.5 h is shorter than the minimum of 2 h" in page.said("duration-error")
    assert "is a mass" in page.said("concentration-error")
    assert "0 is not a whole number from 1 to 365" in page.said("sessions-error")
    links = [address for address in page.addresses if address.startswith("#") and address != "#main"]
    assert links == ["#weight", "#duration", "#concentration", "#sessions"]  # in the form's order
    # with no card ticked, each card is asked once more to tell the rows' refusals from the fields'
    tables.clear()
    query.pop("regimen")
    again = parse(client.get("/", params=query).text)
    assert len(tables) == 1 + len(api.cards().ids), tables
    for field in ("weight", "concentration", "sessions"):
        assert again.said(f"{field}-error").startswith("Error: "), field
    assert again.said("duration-error") == ""  # other cards take 90 min: that card's row says it, with a table


def test_a_drop_factor_is_not_blamed_for_the_concentration_refused(client: TestClient) -> None:
    # rate-22-mg-h documents no preparation: a drop factor alone is refused for want of a concentration
    query = {"weight": "70 kg", "regimen": "rate-22-mg-h", "drop_factor": "20 gtt/mL"}
    alone = parse(client.get("/", params=query).text)
    assert "a drip rate needs a concentration" in alone.said("drop_factor-error")
    refused = client.get("/", params={**query, "concentration": "2 mg"})
    assert refused.status_code == 422
    page = parse(refused.text)
    assert "is a mass" in page.said("concentration-error")
    assert page.said("drop_factor-error") == ""  # the concentration's refusal says what to fix
    # a drop factor unreadable in itself is refused beside the concentration, at once
    both = parse(client.get("/", params={**query, "concentration": "2 mg", "drop_factor": "20 gtt"}).text)
    assert "is a mass" in both.said("concentration-error")
    assert "'20 gtt' is drops" in both.said("drop_factor-error")


def test_the_teacher_and_practice_forms_ask_the_library_once(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _counted(monkeypatch, "exercises")
    # 600 problems x 500 variants is over the page's budget, and 500 variants over the library's 100
    response = client.post("/teacher", data={"count": "600", "seed": "5", "variants": "500", "level": "2"})
    assert response.status_code == 422
    page = parse(response.text)
    assert "one request makes at most 3,000" in page.said("count-error")
    assert "500 is not a whole number from 1 to 100" in page.said("variants-error")
    assert len(made) == 1, made
    made.clear()
    practice = client.get("/practice", params={"count": "30", "conventions": "nosuch"})
    assert practice.status_code == 422
    page = parse(practice.text)
    assert "a practice sheet has 1 to 20 problems" in page.said("count-error")
    assert page.said("conventions-error").startswith("Error: ")
    assert len(made) <= 1, made


def test_the_handout_refused_asks_for_one_table_and_no_handout(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables, reports = _counted(monkeypatch, "table"), _counted(monkeypatch, "report")
    query = [("weight", "70,5 kg"), ("regimen", "rate-22-mg-h"), ("concentration", "2 mg"), ("drop_factor", "2 gtt")]
    response = client.get("/teacher/handout", params=query)
    assert response.status_code == 422
    page = parse(response.text)
    for field in ("weight", "concentration", "drop_factor"):
        assert page.said(f"{field}-error").startswith("Error: "), field
    assert (len(tables), len(reports)) == (1, 0)


def test_unknown_names_are_each_reported_with_the_field_errors(client: TestClient) -> None:
    answer = client.get("/", params={"weight": "x", "wieght": "80 kg", "colour": "red"})
    assert answer.status_code == 422
    text = parse(answer.text).all_text
    assert "wieght: is not a field of this page" in text and "colour: is not a field of this page" in text
    assert parse(answer.text).said("weight-error").startswith("Error: ")


def test_with_no_card_ticked_only_the_rows_that_cannot_be_calculated_are_refused(client: TestClient) -> None:
    response = client.get("/", params={"weight": "70 kg", "duration": "90 min"})
    assert response.status_code == 200
    header, *rows = parse(response.text).tables["dose-table"]
    by_card = {row[0]: row for row in rows}
    assert list(by_card) == list(api.cards().ids)  # every card keeps its row, in the cards' order
    # initial-80-mg-2-h runs for at least 2 h: 90 min is too short for it alone
    refused = by_card["initial-80-mg-2-h"]
    assert len(refused) == 2 and refused[1].startswith("Not calculated: duration: 1.5 h is shorter than")
    # rate-22-mg-h at its 22 mg/h: 22 mg/h x 1.5 h = 33 mg a session
    cells = dict(zip(header, by_card["rate-22-mg-h"], strict=True))
    assert cells["Rate (mg/h)"] == "22" and cells["Dose per session (mg)"] == "33"
    assert sum(1 for row in rows if row[1].startswith("Not calculated")) < len(rows)
    # ticked, the same card is the field's refusal; a duration no card can take is refused for all
    ticked = client.get("/", params={"weight": "70 kg", "duration": "90 min", "regimen": "initial-80-mg-2-h"})
    assert ticked.status_code == 422 and "shorter than the minimum" in parse(ticked.text).said("duration-error")
    unreadable = client.get("/", params={"duration": "soon"})
    assert unreadable.status_code == 422 and parse(unreadable.text).said("duration-error").startswith("Error: ")


def test_the_handout_refused_shows_the_teachers_form_again_with_what_was_typed(client: TestClient) -> None:
    query = [("weight", "70,5 kg"), ("regimen", "rate-22-mg-h"), ("concentration", "2 mg"), ("explain", "on")]
    response = client.get("/teacher/handout", params=query)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html") and "content-disposition" not in response.headers
    page = parse(response.text)
    assert page.inputs["weight"]["value"] == "70,5 kg" and page.inputs["concentration"]["value"] == "2 mg"
    ticked = [found for found in page.inputs.values() if found.get("name") == "regimen" and "checked" in found]
    assert [found["value"] for found in ticked] == ["rate-22-mg-h"]
    assert "checked" in page.inputs["explain"]
    assert "uses a decimal comma" in page.said("weight-error") and "is a mass" in page.said("concentration-error")
    assert "No handout: a value needs changing" in page.all_text
    assert any(form.action.startswith("/teacher/handout") for form in page.forms)


@pytest.mark.parametrize(
    ("send", "status"),
    [
        (lambda client: client.get("/", params={"weight": "7" * 9000}), 414),
        (lambda client: client.get("/schedule", params={"x": "y" * 9000}), 414),
        (lambda client: client.post("/practice", content=b"a=" + b"1" * 70_000), 413),
        (lambda client: client.post("/teacher", content=b"a=" + b"1" * 70_000), 413),
    ],
    ids=["calculator-414", "schedule-414", "practice-413", "teacher-413"],
)
def test_too_long_or_too_large_is_a_page_for_the_pages(client: TestClient, send: Any, status: int) -> None:
    response = send(client)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    page = parse(response.text)
    assert page.all_text.count(DISCLAIMER) >= 2 and "Not read:" in page.all_text
    assert response.headers["content-security-policy"]  # the guard's headers on its own answers too


def test_too_long_stays_json_for_the_api(client: TestClient) -> None:
    response = client.get("/api/table", params={"weight": "7" * 9000})
    assert response.status_code == 414 and response.headers["content-type"] == "application/json"
    assert response.json()["error"]["field"] == "query"


def test_downloads_are_named_by_student_and_by_platform(client: TestClient) -> None:
    form = {"count": "2", "seed": "9", "conventions": "standard", "students": "Zoë O'Brien/..\nBo"}
    page = parse(client.post("/teacher", data=form).text)
    made = api.exercises(2, 9, students=["Zoë O'Brien/..", "Bo"])
    buttons = downloads(page)
    zoe = buttons["answer key (JSON), Zoë O'Brien/.."].send(client)
    # accents dropped (ë -> e), every other run of characters one hyphen, none at the ends
    expected = f'attachment; filename="dosecalc-key-{made[0].code}-Zoe-O-Brien.json"'
    assert zoe.headers["content-disposition"] == expected
    bo = buttons["worksheet (HTML), Bo"].send(client)
    assert bo.headers["content-disposition"] == f'attachment; filename="dosecalc-sheet-{made[1].code}-Bo.html"'
    platforms = downloads(parse(client.post("/teacher", data={"count": "2", "seed": "9"}).text))
    canvas = platforms["Canvas (QTI 1.2 zip)"].send(client).headers["content-disposition"]
    qti = platforms["QTI 2.1 package (zip)"].send(client).headers["content-disposition"]
    assert canvas.endswith('-canvas.zip"') and qti.endswith('-qti21.zip"') and canvas != qti
    nothing_safe = client.post("/teacher/sheet", data={"count": "2", "seed": "9", "students": "ÆØ✓"})
    code = api.exercises(2, 9, students=["ÆØ✓"])[0].code
    # Æ and Ø have no ASCII letters under NFKD and ✓ is no letter: no name part at all
    assert nothing_safe.headers["content-disposition"] == f'attachment; filename="dosecalc-sheet-{code}.html"'


STYLESHEET = Path(__file__).resolve().parents[1] / "dosecalc" / "web" / "static" / "style.css"


def _colours(scheme: str) -> dict[str, str]:
    """The stylesheet's colour properties (``--name: #rrggbb``) for the light scheme, or for dark: the light
    ones overridden by those inside ``@media (prefers-color-scheme: dark)``."""
    css = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(encoding="utf-8"), flags=re.S)
    dark_at = css.index("@media (prefers-color-scheme: dark)")
    light = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", css[:dark_at]))
    if scheme == "light":
        return light
    block = css[dark_at : css.index("}", css.index(":root", dark_at))]
    return light | dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))


def _luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour #rrggbb: each channel c = byte / 255 linearised as
    c / 12.92 when c <= 0.04045, else ((c + 0.055) / 1.055) ** 2.4; then L = 0.2126 R + 0.7152 G + 0.0722 B."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(one: str, other: str) -> float:
    """WCAG contrast ratio: (L lighter + 0.05) / (L darker + 0.05)."""
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_formula_reproduces_known_ratios() -> None:
    # black on white: (1 + 0.05) / (0 + 0.05) = 21; the old focus ring #b35900 on the navy header #12355b:
    # #b35900 -> R 179/255 = 0.702 -> 0.451, G 89/255 = 0.349 -> 0.100, B 0 -> 0; L = 0.0959 + 0.0716 = 0.1675
    # #12355b -> R 0.0706 -> 0.0060, G 0.2078 -> 0.0356, B 0.3569 -> 0.1046; L = 0.0013 + 0.0255 + 0.0076 = 0.0343
    # (0.1675 + 0.05) / (0.0343 + 0.05) = 2.58, the ratio the accessibility review measured
    assert _contrast("#000000", "#ffffff") == pytest.approx(21)
    assert _contrast("#b35900", "#12355b") == pytest.approx(2.58, abs=0.005)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_ring_is_3_to_1_on_the_header_and_the_page(scheme: str) -> None:
    colours = _colours(scheme)
    css = STYLESHEET.read_text(encoding="utf-8")
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid var\(--focus\)", css), "the ring uses --focus"
    assert _contrast(colours["focus"], colours["header"]) >= 3, "WCAG 1.4.11: the ring on the navy header"
    assert _contrast(colours["focus"], colours["page"]) >= 3, "WCAG 1.4.11: the ring on the page"
    assert _contrast(colours["field-border"], colours["page"]) >= 3, "a text box's edge"


#: (foreground, background) of every text the pages draw in colour.
TEXT_PAIRS = [
    ("text", "page"),
    ("muted", "page"),
    ("link", "page"),
    ("link-hover", "page"),
    ("error", "page"),
    ("right", "page"),
    ("no-answer", "page"),
    ("text", "cell-head"),
    ("link", "cell-head"),  # the card links in the cards table's name column
    ("text", "field"),
    ("header-text", "header"),
    ("button-text", "button"),
    ("button-text", "button-hover"),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_is_4_5_to_1_in_both_colour_schemes(scheme: str) -> None:
    colours = _colours(scheme)
    low = {f"{fg} on {bg}": round(_contrast(colours[fg], colours[bg]), 2) for fg, bg in TEXT_PAIRS}
    assert {pair: ratio for pair, ratio in low.items() if ratio < 4.5} == {}


def test_dark_scheme_changes_the_page_and_the_text() -> None:
    light, dark = _colours("light"), _colours("dark")
    assert _luminance(dark["page"]) < 0.05 < _luminance(light["page"])  # a dark ground, not the white one
    assert _luminance(dark["text"]) > 0.5 > _luminance(light["text"])


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/", {"weight": "70 kg"}),
        ("/schedule", {"regimen": "rate-22-mg-h", "weight": "70 kg"}),
        ("/simulate", {"regimen": "rate-22-mg-h", "weight": "70 kg"}),
    ],
)
def test_a_submitted_form_lands_on_its_result(client: TestClient, path: str, query: dict[str, str]) -> None:
    """The form's action carries #outcome, the id of the result (or of the error summary when refused), so the
    browser scrolls to it without any script."""
    empty = parse(client.get(path).text)
    assert [form.action for form in empty.forms if form.method == "get"] == [f"{path}#outcome"]
    done = parse(client.get(path, params=query).text)
    assert done.said("outcome").startswith("Result") or done.said("outcome").startswith("Simulation")
    refused = parse(client.get(path, params={**query, "weight": "heavy"}).text)
    assert refused.said("outcome").startswith("Not calculated")


def test_the_practice_form_lands_on_its_marks(client: TestClient) -> None:
    """As the other forms do: the marking form's action carries #outcome, the id of the marks (or of the list of
    unreadable answers when refused)."""
    sheet = api.exercises(2, 8)
    assert isinstance(sheet, Sheet)
    shown = parse(client.get("/practice", params={"sheet": sheet.code}).text)
    assert [(form.action, form.method) for form in shown.forms if form.button == "Check my answers"] == [
        ("/practice#outcome", "post")
    ]
    marked = parse(client.post("/practice", data={"sheet": sheet.code, "answer-1": "1", "answer-2": ""}).text)
    assert marked.said("outcome").startswith("Score: ")
    refused = parse(client.post("/practice", data={"sheet": sheet.code, "answer-1": "lots"}).text)
    assert refused.said("outcome").startswith("Not marked yet: an answer cannot be read")
