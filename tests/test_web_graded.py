"""The web app with a teacher's key: the teacher's pages behind a login, refused on a network address without a
key, student names only in POST bodies, graded codes marked by the teacher only (answers withheld), the login's
12 hours, and the budget of problems per request."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient

from dosecalc import DoseCalcError, api
from dosecalc.results import Marks, Sheet, Sheets
from dosecalc.teaching.exercises import answer_text
from dosecalc.teaching.keys import TeacherKey
from dosecalc.web import access
from dosecalc.web.access import COOKIE, SESSION_SECONDS, START_ENV, login_code, session_token
from dosecalc.web.app import create_app
from dosecalc.web.fields import MAX_WORK

from .helpers import run
from .test_web_pages import ADDRESS_ATTRIBUTES, downloads, parse

NAMES = ["Ann Smith", "Bo Lee"]


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "teacher.key"
    api.new_teacher_key(path)
    return path


@pytest.fixture(scope="module")
def key(key_file: Path) -> TeacherKey:
    return api.teacher_key(key_file)


#: This start of the keyed server, as ``serve`` gives it to its workers.
START = "0123456789abcdef0123456789abcdef"
#: The time of the tests' clock: 2026-12-05 08:00 UTC, in seconds since the epoch.
NOW = 1_796_457_600


class Clock:
    """The clock sessions are timed by, moved by hand."""

    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr(access, "clock", ticking)
    return ticking


@pytest.fixture
def keyed(key_file: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """A server with the teacher's key, on loopback; no one logged in."""
    monkeypatch.setenv(START_ENV, START)
    return TestClient(create_app(teacher_key=key_file, host="127.0.0.1"))


@pytest.fixture
def teacher(keyed: TestClient, key: TeacherKey) -> TestClient:
    """The keyed server with the teacher logged in."""
    answer = keyed.post("/teacher/login", data={"code": login_code(key)}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return keyed


@pytest.fixture(scope="module")
def open_client() -> TestClient:
    """A server without a key, on loopback: the teacher's pages open, for practice sheets."""
    return TestClient(create_app(host="127.0.0.1"))


# ------------------------------------------------------------------------------------------- login


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/teacher"),
        ("POST", "/teacher"),
        ("POST", "/teacher/sheet"),
        ("POST", "/teacher/marks"),
        ("GET", "/teacher/handout"),
    ],
    ids=["page", "make-sheets", "download", "mark-a-class", "handout"],
)
def test_the_teachers_pages_ask_for_the_login_first(keyed: TestClient, method: str, path: str) -> None:
    answer = keyed.request(method, path, data={"count": "2", "seed": "3", "format": "json", "key": "1"})
    assert answer.status_code == 401, answer.text
    page = parse(answer.text)
    assert "code" in page.inputs and page.inputs["code"]["type"] == "password"
    assert any(form.action == "/teacher/login" and form.method == "post" for form in page.forms)
    assert '"problems"' not in answer.text  # no sheet given out


def test_the_login_code_sets_a_strict_httponly_cookie_for_the_teachers_pages(
    keyed: TestClient, key: TeacherKey
) -> None:
    typed = login_code(key).lower().replace("-", " ")  # as a person may type it
    answer = keyed.post("/teacher/login", data={"code": typed}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/teacher"
    cookie = answer.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")}
    assert attributes[COOKIE] == f"{COOKIE}={session_token(key, START, NOW)}"
    assert attributes[COOKIE].startswith(f"{COOKIE}={NOW}.")  # the time of the login, then the MAC
    assert "httponly" in attributes and attributes["samesite"].lower() == "samesite=strict"
    assert attributes["path"] == "Path=/teacher"
    assert attributes["max-age"] == "Max-Age=43200"  # 12 hours x 3600 s: the browser forgets it then
    assert login_code(key).replace("-", "") not in session_token(key, START, NOW).upper()
    page = keyed.get("/teacher")
    assert page.status_code == 200 and "graded" in page.text
    out = keyed.post("/teacher/logout", follow_redirects=False)
    assert out.status_code == 303 and f"{COOKIE}=" in out.headers["set-cookie"]
    assert keyed.get("/teacher").status_code == 401


@pytest.mark.parametrize(
    "typed",
    ["", "0000-0000-0000-0000", "not a code at all", "1" * 100],
    ids=["blank", "wrong-code", "words", "long"],
)
def test_a_wrong_login_code_is_refused(keyed: TestClient, typed: str) -> None:
    answer = keyed.post("/teacher/login", data={"code": typed}, follow_redirects=False)
    assert answer.status_code == 401
    assert "set-cookie" not in answer.headers
    assert parse(answer.text).said("code-error") == (
        "Error: that is not the login code; type the code dosecalc serve printed"
    )
    assert keyed.get("/teacher").status_code == 401


def test_a_cookie_from_another_key_is_refused(keyed: TestClient) -> None:
    other = TeacherKey(bytes(range(32)))
    keyed.cookies.set(COOKIE, session_token(other, START, NOW), path="/teacher")
    assert keyed.get("/teacher").status_code == 401


# ----------------------------------------------------------------------------------------- session

ENDED = (
    "Error: your login has ended (a login lasts 12 hours and ends when the server restarts); "
    "type the login code dosecalc serve printed"
)


def test_a_login_lasts_twelve_hours_then_asks_again(teacher: TestClient, key: TeacherKey, clock: Clock) -> None:
    assert SESSION_SECONDS == 12 * 60 * 60
    clock.now = NOW + 12 * 3600 - 1  # the last second of the session
    assert teacher.get("/teacher").status_code == 200
    clock.now = NOW + 12 * 3600  # 12 hours to the second after the login
    ended = teacher.get("/teacher")
    assert ended.status_code == 401
    assert parse(ended.text).said("code-error") == ENDED
    assert teacher.post("/teacher", data={"count": "2", "seed": "3"}).status_code == 401
    again = teacher.post("/teacher/login", data={"code": login_code(key)}, follow_redirects=False)
    assert again.status_code == 303
    assert teacher.get("/teacher").status_code == 200  # a new login: 12 hours from now


def test_a_login_from_before_a_restart_is_refused(teacher: TestClient, key_file: Path) -> None:
    held = teacher.cookies.get(COOKIE)
    assert held and teacher.get("/teacher").status_code == 200
    same_start = TestClient(create_app(teacher_key=key_file, host="127.0.0.1"))  # another worker of this start
    same_start.cookies.set(COOKIE, held, path="/teacher")
    assert same_start.get("/teacher").status_code == 200
    for restarted in ("fedcba9876543210fedcba9876543210", ""):  # serve's next start; an app made without serve
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(START_ENV, restarted)
            after = TestClient(create_app(teacher_key=key_file, host="127.0.0.1"))
        after.cookies.set(COOKIE, held, path="/teacher")
        answer = after.get("/teacher")
        assert answer.status_code == 401 and parse(answer.text).said("code-error") == ENDED


@pytest.mark.parametrize(
    "issued",
    [NOW - 12 * 3600, NOW + 3600, NOW - 13 * 3600],
    ids=["12-hours-old", "from-the-future", "13-hours-old"],
)
def test_a_token_is_refused_outside_its_twelve_hours_even_with_a_right_mac(
    keyed: TestClient, key: TeacherKey, issued: int
) -> None:
    keyed.cookies.set(COOKIE, session_token(key, START, issued), path="/teacher")
    assert keyed.get("/teacher").status_code == 401
    keyed.cookies.set(COOKIE, session_token(key, START, NOW - 60), path="/teacher")
    assert keyed.get("/teacher").status_code == 200  # a minute old: within


def test_a_token_with_its_time_changed_is_refused(keyed: TestClient, key: TeacherKey, clock: Clock) -> None:
    old = session_token(key, START, NOW - 13 * 3600)  # ended an hour ago
    _, mac = old.split(".")
    for forged in (f"{NOW}.{mac}", f"{NOW - 60}.{mac}", mac, f"{NOW}.", "", f"{NOW}.{'0' * 63}", "9" * 500):
        keyed.cookies.set(COOKIE, forged, path="/teacher")
        assert keyed.get("/teacher").status_code == 401, forged


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.7", "::"])
def test_a_network_address_without_a_key_closes_the_teachers_pages(host: str) -> None:
    client = TestClient(create_app(host=host))
    for method, path in [
        ("GET", "/teacher"),
        ("POST", "/teacher"),
        ("POST", "/teacher/sheet"),
        ("POST", "/teacher/marks"),
        ("GET", "/teacher/login"),
    ]:
        answer = client.request(method, path, data={"count": "2", "seed": "3", "format": "json", "key": "1"})
        assert answer.status_code == 403, (path, answer.text)
        assert "--teacher-key" in parse(answer.text).all_text
    assert client.get("/practice").status_code == 200  # the students' pages stay open


def test_a_network_address_with_a_key_asks_for_the_login(key_file: Path) -> None:
    client = TestClient(create_app(teacher_key=key_file, host="0.0.0.0"))
    assert client.get("/teacher").status_code == 401


def test_loopback_without_a_key_keeps_the_teachers_pages_open_for_practice_sheets(open_client: TestClient) -> None:
    answer = open_client.post("/teacher", data={"count": "2", "seed": "5"})
    assert answer.status_code == 200
    code = parse(answer.text).tables["sheets-table"][1][1]
    made = api.exercises(2, 5)
    assert isinstance(made, Sheet) and code == made.code and not made.graded


# ----------------------------------------------------------------------------------------- teacher


def test_sheets_made_with_the_key_are_graded_and_marked_only_with_it(teacher: TestClient, key: TeacherKey) -> None:
    answer = teacher.post("/teacher", data={"count": "3", "seed": "11", "students": "\n".join(NAMES)})
    assert answer.status_code == 200, answer.text
    page = parse(answer.text)
    made = api.exercises(3, 11, students=NAMES, teacher_key=key)
    assert isinstance(made, Sheets) and made.graded
    assert [row[:2] for row in page.tables["sheets-table"][1:]] == [
        [n, s.code] for n, s in zip(NAMES, made, strict=True)
    ]
    key_json = downloads(page)["answer key (JSON), Bo Lee"].send(teacher)
    assert key_json.status_code == 200 and key_json.text == made[1].key().as_text("json")
    with pytest.raises(DoseCalcError, match="graded"):
        api.mark({}, sheet=made[1].code)  # the code alone gives nothing


def test_no_student_name_in_any_address_the_teachers_page_makes(teacher: TestClient) -> None:
    form = teacher.get("/teacher")
    # the form posts to the page itself (landing on its sheets, #outcome): the names go in the body
    assert [f.method for f in parse(form.text).forms if f.action == "/teacher#outcome"] == ["post"]
    answer = teacher.post("/teacher", data={"count": "2", "seed": "4", "students": "\n".join(NAMES)})
    page = parse(answer.text)
    assert set(ADDRESS_ATTRIBUTES) >= {"href", "action"}
    assert page.addresses, "the page has addresses to check"
    for address in page.addresses:
        assert not any(part in address for name in NAMES for part in name.split()), address
    named = [form for form in page.forms if any(name == "students" for name, _ in form.hidden)]
    assert len(named) >= 2 * 4 and all(form.method == "post" for form in named)


def test_a_blank_seed_is_a_new_random_one_shown_on_the_page(teacher: TestClient) -> None:
    seeds = []
    for _ in range(2):
        page = parse(teacher.post("/teacher", data={"count": "2", "seed": ""}).text)
        seed = page.inputs["seed"]["value"]
        assert seed and seed.isdigit() and seed in page.all_text
        seeds.append(seed)
    assert seeds[0] != seeds[1]  # two draws of 1 in 10**9 agree once in a billion


# ---------------------------------------------------------------------------------------- practice


def _graded(key: TeacherKey) -> tuple[Sheet, dict[int, str]]:
    """A graded sheet of three and answers to it: the first right, the second wrong, the third unreadable."""
    sheet = api.exercises(3, 21, key=True, teacher_key=key)
    assert isinstance(sheet, Sheet) and sheet.graded
    right = f"{sheet[0].answer!r} {sheet[0].unit}"  # the key's value as typed (answer_text may print 1,000)
    wrong = f"{sheet[1].answer * 3 + 7} {sheet[1].unit}"  # three times the key and more: never right
    return sheet, {1: right, 2: wrong, 3: "about a lot"}


def _shows(text: str, sheet: Sheet, answers: dict[int, str]) -> bool:
    """Whether ``text``, the answers typed left out, shows the key of the problem answered wrong."""
    for typed in answers.values():
        text = text.replace(typed, "")
    return re.search(rf"(?<![\d.,]){re.escape(answer_text(sheet[1]))}", text) is not None


GRADED = (
    "is a graded sheet, marked by your teacher and not on this site: hand your answers in to your teacher as they "
    "ask (the practice page shows its problems only)"
)


def _teachers_cookie(key: TeacherKey) -> dict[str, str]:
    """The teacher's login cookie as a script sends it (a browser sends it to /teacher pages only)."""
    return {"Cookie": f"{COOKIE}={session_token(key, START, NOW)}"}


def test_the_practice_page_shows_a_graded_sheets_problems_without_a_form(keyed: TestClient, key: TeacherKey) -> None:
    sheet, _ = _graded(key)
    shown = keyed.get("/practice", params={"sheet": sheet.code})
    assert shown.status_code == 200
    page = parse(shown.text)
    assert all(problem.question in page.all_text for problem in sheet)
    assert "your teacher marks it, not this site" in page.said("graded-note")
    assert not [form for form in page.forms if form.action.startswith("/practice")]  # nothing to check it with
    assert not any(name.startswith("answer-") for name in page.inputs)


def test_the_practice_page_refuses_to_mark_a_graded_code(keyed: TestClient, key: TeacherKey) -> None:
    """A graded code marked again and again would give its key away, an answer at a time: it is never marked
    here, and nothing said depends on the key, whatever is sent."""
    sheet, answers = _graded(key)
    form = {"sheet": sheet.code, **{f"answer-{n}": text for n, text in answers.items()}}
    seen = set()
    for sent in (form, {**form, "answer-3": ""}, {**form, "answer-2": answers[1]}, {"sheet": sheet.code}):
        refused = keyed.post("/practice", data=sent)
        assert refused.status_code == 422, refused.text
        page = parse(refused.text)
        assert page.said("outcome") == f"Not marked: your teacher marks this sheet sheet '{sheet.code}' {GRADED}"
        assert "score-title" not in page.by_id and not any(f"mark-{n}" in page.by_id for n in answers)
        assert not _shows(page.all_text, sheet, answers) and "Worked steps:" not in page.all_text
        assert not any(text in refused.text for text in answers.values())  # the answers are not even echoed
        assert not [form for form in page.forms if form.action.startswith("/practice")]
        seen.add(page.all_text)
    assert len(seen) == 1  # the same page, right answers or wrong, read or not


def test_the_practice_page_marks_a_graded_code_for_the_teachers_login(keyed: TestClient, key: TeacherKey) -> None:
    sheet, answers = _graded(key)
    form = {"sheet": sheet.code, **{f"answer-{n}": text for n, text in answers.items()}, "answer-3": ""}
    with_login = keyed.post("/practice", data=form, headers=_teachers_cookie(key))
    assert with_login.status_code == 200, with_login.text
    page = parse(with_login.text)
    assert page.said("mark-1").startswith("Right") and page.said("mark-2").startswith("Wrong")
    assert page.said("mark-3").startswith("No answer")
    assert "answers and worked steps are withheld" in page.all_text
    assert "Worked steps:" not in page.all_text and not _shows(page.all_text, sheet, answers)
    ended = {"Cookie": f"{COOKIE}={session_token(key, START, NOW - SESSION_SECONDS)}"}  # a login 12 hours old
    assert keyed.post("/practice", data=form, headers=ended).status_code == 422


def test_the_api_refuses_to_mark_a_graded_code(keyed: TestClient, key: TeacherKey) -> None:
    sheet, answers = _graded(key)
    sent = {"sheet": sheet.code, "answers": {str(n): t for n, t in answers.items()}}
    refused = keyed.post("/api/mark", json=sent)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == {"field": "sheet", "message": f"sheet '{sheet.code}' {GRADED}"}
    right = keyed.post("/api/mark", json={**sent, "answers": {"1": answers[1]}})
    assert right.status_code == 422 and right.json() == refused.json()  # all right or not: the same refusal
    assert not _shows(refused.text, sheet, answers) and '"status"' not in refused.text


def test_the_api_marks_a_graded_code_for_the_teachers_login_withheld(keyed: TestClient, key: TeacherKey) -> None:
    sheet, answers = _graded(key)
    sent = {"sheet": sheet.code, "answers": {str(n): t for n, t in answers.items()}}
    answer = keyed.post("/api/mark", json=sent, headers=_teachers_cookie(key))
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    assert document["graded"] is True and "withheld" in document["answers_withheld"]
    assert [m["status"] for m in document["marks"]] == ["right", "wrong", "unreadable"]
    assert document["score"] == {"right": 1, "out_of": 3}
    for mark in document["marks"]:
        assert not {"key", "steps", "diagnosis", "credit", "in_asked_unit"} & set(mark), mark
    assert "feedback" not in document["marks"][1] and "feedback" in document["marks"][2]
    assert not _shows(answer.text, sheet, answers)


def test_a_seed_sent_to_the_api_marks_the_open_sheet_as_before(keyed: TestClient) -> None:
    answer = keyed.post("/api/mark", json={"seed": 5, "count": 2, "answers": {"1": "1 mL"}})
    assert answer.status_code == 200
    assert answer.text == api.mark({"1": "1 mL"}, seed=5, count=2).as_text("json")


def test_without_the_key_a_graded_code_is_refused_in_one_line(open_client: TestClient, key: TeacherKey) -> None:
    sheet, answers = _graded(key)
    shown = open_client.get("/practice", params={"sheet": sheet.code})
    assert shown.status_code == 422 and "graded sheet" in parse(shown.text).said("sheet-error")
    marked = open_client.post("/practice", data={"sheet": sheet.code, "answer-1": answers[1]})
    assert marked.status_code == 422 and "graded sheet" in marked.text and "Worked steps" not in marked.text
    api_answer = open_client.post("/api/mark", json={"sheet": sheet.code, "answers": {"1": answers[1]}})
    assert api_answer.status_code == 422
    error = api_answer.json()["error"]
    assert error["field"] == "sheet" and "graded sheet" in error["message"] and "\n" not in error["message"]


def test_the_api_never_makes_a_graded_sheet(keyed: TestClient) -> None:
    answer = keyed.get("/api/exercises", params={"count": 2, "seed": 9, "key": "true"})
    assert answer.status_code == 200
    assert answer.json()["graded"] is False
    assert answer.text == api.exercises(2, 9, key=True).as_text("json")


# ------------------------------------------------------------------------------------------ budget


def test_the_api_refuses_more_than_the_budget_with_the_limit(open_client: TestClient) -> None:
    students = [f"s{i}" for i in range(31)]
    answer = open_client.get("/api/exercises", params={"count": 100, "seed": 1, "students": students})
    assert answer.status_code == 422
    # 100 problems x 31 students = 3,100 > 3,000
    assert answer.json()["error"] == {
        "field": "count",
        "message": f"100 problems x 31 students is 3,100 problems; one request makes at most {MAX_WORK:,}: make "
        "fewer problems, or the class in smaller groups",
    }
    assert MAX_WORK == 3000
    alone = open_client.get("/api/exercises", params={"count": 500, "seed": 1, "students": list("abcdefg")})
    assert alone.status_code == 422 and "3,000" in alone.json()["error"]["message"]  # 500 x 7 = 3,500
    within = open_client.get("/api/exercises", params={"count": 100, "seed": 1, "students": students[:30]})
    assert within.status_code == 200  # 100 x 30 = 3,000, the budget exactly


def test_the_teachers_page_makes_a_class_of_30_x_100_drawing_the_problems_without_wording_them(
    teacher: TestClient, key: TeacherKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page shows each student's code: it draws every problem (so that what cannot be made is refused) but
    words none (their steps, errors and rounding are written out by a download, or when a sheet is read)."""
    import dosecalc.teaching.exercises as exercises

    worded: list[int] = []
    real = exercises.word
    monkeypatch.setattr(
        exercises, "word", lambda drawn, convention: worded.append(len(drawn)) or real(drawn, convention)
    )
    names = [f"Student {n}" for n in range(1, 31)]
    page = teacher.post("/teacher", data={"count": "100", "seed": "77", "students": "\n".join(names)})
    assert page.status_code == 200, page.text
    assert worded == []  # 30 x 100 = 3,000 problems drawn, none worded
    made = api.exercises(100, 77, students=names, teacher_key=key)
    assert isinstance(made, Sheets) and len(made) == 30
    assert all(sheet.code in page.text for sheet in made)  # the library's codes, each on the page
    assert worded == []
    assert len(made[29].problems) == 100 and worded == [100]  # a sheet's problems worded when first read
    assert made[29].problems is made[29].problems and worded == [100]  # and only then


def test_the_teachers_page_and_downloads_refuse_more_than_the_budget(teacher: TestClient) -> None:
    students = "\n".join(f"s{i}" for i in range(31))
    page = teacher.post("/teacher", data={"count": "100", "seed": "1", "students": students})
    assert page.status_code == 422
    assert "at most 3,000" in parse(page.text).said("count-error")  # 100 x 31 = 3,100
    variants = teacher.post("/teacher", data={"count": "500", "seed": "1", "variants": "7"})
    assert variants.status_code == 422 and "at most 3,000" in variants.text  # 500 x 7 = 3,500
    download = teacher.post("/teacher/sheet", data={"count": "400", "seed": "1", "variants": "8", "format": "moodle"})
    assert download.status_code == 422 and "at most 3,000" in download.text  # 400 x 8 = 3,200


# ------------------------------------------------------------------------------------------- serve


@pytest.mark.parametrize("through", ["option", "environment"])
def test_a_bad_key_file_stops_serve_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, through: str
) -> None:
    bad = tmp_path / "teacher.key"
    bad.write_text("not a key\n", encoding="utf-8")
    if through == "option":
        result = run("serve", "--teacher-key", str(bad), "--port", "1")
    else:
        monkeypatch.setenv("DOSECALC_TEACHER_KEY", str(bad))
        result = run("serve", "--port", "1")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --teacher-key: ") and "not a teacher key file" in lines[0]


# ------------------------------------------------------------------------------------------- marking a class


def _class_file(sheet: Sheet) -> bytes:
    """Two students: the first right on problem 1 and 10 times the key on problem 2; the second named with
    markup and leaving both blank."""
    first, second = sheet[0], sheet[1]
    return (
        "student,sheet,1,2\n"
        f"Ana,{sheet.code},{first.answer!r} {first.unit},{second.answer * 10!r}\n"
        f"<b>Bo</b>,{sheet.code},,\n"
    ).encode()


def test_the_teacher_marks_a_class_upload_with_gradebook_items_and_feedback(open_client: TestClient) -> None:
    sheet = api.exercises(2, 31, key=True)
    assert isinstance(sheet, Sheet)
    upload = {"answers": ("class.csv", _class_file(sheet), "text/csv")}
    answer = open_client.post("/teacher/marks", files=upload, data={"sheet": ""})
    assert answer.status_code == 200, answer.text
    page = parse(answer.text)
    marks = api.mark({1: f"{sheet[0].answer!r} {sheet[0].unit}", 2: f"{sheet[1].answer * 10!r}"}, sheet=sheet.code)
    assert isinstance(marks, Marks)
    # the gradebook: Ana 1 of 2 (problem 1 right, problem 2 wrong), Bo 0 of 2 (nothing answered)
    assert page.tables["gradebook-table"][1:] == [
        ["Ana", "1", "2", "50", "1", "0"],
        ["<b>Bo</b>", "0", "2", "0", "-", "-"],
    ]
    assert page.tables["items-table"][1][:6] == ["1", sheet[0].kind, "1", "0", "0", "1"]
    assert "<b>Bo</b>" not in answer.text  # the name is text, never markup
    assert answer.text.count('<section class="feedback"') == 2
    diagnosis = marks.marks[1].diagnosis
    assert diagnosis and diagnosis in page.all_text  # the error matched, as check names it
    assert all(step in page.all_text for step in sheet[1].steps)  # the worked steps of the wrong answer


def test_a_graded_class_is_marked_with_the_servers_key_once_logged_in(teacher: TestClient, key: TeacherKey) -> None:
    sheet = api.exercises(2, 31, key=True, teacher_key=key)
    assert isinstance(sheet, Sheet) and sheet.graded
    answer = teacher.post("/teacher/marks", files={"answers": ("c.csv", _class_file(sheet), "text/csv")})
    assert answer.status_code == 200, answer.text
    assert parse(answer.text).tables["gradebook-table"][1][:4] == ["Ana", "1", "2", "50"]
    assert all(step in parse(answer.text).all_text for step in sheet[1].steps)  # the teacher's page: the steps


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        ({"answers": ("a.csv", b"", "text/csv")}, "choose the answers file (CSV) to mark"),
        ({"answers": ("a.csv", b"foo;bar\n1;2\n", "text/csv")}, "separated by semicolons"),
        ({"answers": ("a.csv", b"problem,answer\n1,\xff\n", "text/csv")}, "UTF-8"),
    ],
    ids=["empty", "semicolons", "not utf-8"],
)
def test_a_bad_upload_comes_back_with_its_message(open_client: TestClient, upload: dict, message: str) -> None:  # type: ignore[type-arg]
    answer = open_client.post("/teacher/marks", files=upload, data={"sheet": ""})
    assert answer.status_code == 422, answer.text
    said = parse(answer.text).all_text
    assert message in said and "/tmp" not in said and "Mark the answers" in said  # the form again, no temp path


def test_marking_a_class_needs_a_file_upload(open_client: TestClient) -> None:
    answer = open_client.post("/teacher/marks", data={"answers": "problem,answer\n1,5\n"})
    assert answer.status_code == 422 and "file upload" in parse(answer.text).all_text


def test_a_graded_codes_answers_are_never_marked_without_the_teachers_login(
    keyed: TestClient, key: TeacherKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not marked and then thrown away: marking a wrong answer takes longer than a right one (its common errors
    are worked out), so even the time a refusal takes could say which answers were right."""
    from dosecalc.teaching import marking

    looked_at: list[dict[int, str | None]] = []
    real = marking.mark

    def spy(problems: Any, answers: Any, *rest: Any, **options: Any) -> Any:
        looked_at.append({n: t for n, t in dict(answers).items() if t is not None})
        return real(problems, answers, *rest, **options)

    monkeypatch.setattr(marking, "mark", spy)
    sheet, answers = _graded(key)
    form = {"sheet": sheet.code, **{f"answer-{n}": text for n, text in answers.items()}}
    assert keyed.post("/practice", data=form).status_code == 422
    assert keyed.post("/api/mark", json={"sheet": sheet.code, "answers": {"1": answers[1]}}).status_code == 422
    assert not any(looked_at), looked_at
    # with the login they are marked, through the same function (so the spy does see marking)
    assert (
        keyed.post(
            "/api/mark", json={"sheet": sheet.code, "answers": {"1": answers[1]}}, headers=_teachers_cookie(key)
        ).status_code
        == 200
    )
    assert any(looked_at)
