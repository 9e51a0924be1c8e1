"""The web app with a teacher's key: the teacher's pages behind a login, refused on a network address without a
key, student names only in POST bodies, graded codes marked with answers withheld, and the budget of problems
per request."""

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
from dosecalc.web.access import COOKIE, login_code, session_token
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


@pytest.fixture
def keyed(key_file: Path) -> TestClient:
    """A server with the teacher's key, on loopback; no one logged in."""
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
    assert attributes[COOKIE] == f"{COOKIE}={session_token(key)}"
    assert "httponly" in attributes and attributes["samesite"].lower() == "samesite=strict"
    assert attributes["path"] == "Path=/teacher"
    assert login_code(key).replace("-", "") not in session_token(key).upper()
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
    keyed.cookies.set(COOKIE, session_token(other), path="/teacher")
    assert keyed.get("/teacher").status_code == 401


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
    assert [f.method for f in parse(form.text).forms if f.action == "/teacher"] == ["post"]
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


def test_practice_on_a_graded_code_withholds_the_answers(keyed: TestClient, key: TeacherKey) -> None:
    sheet, answers = _graded(key)
    shown = keyed.get("/practice", params={"sheet": sheet.code})
    assert shown.status_code == 200 and sheet[0].question in shown.text and "graded" in shown.text
    form = {"sheet": sheet.code, **{f"answer-{n}": text for n, text in answers.items()}}
    refused = keyed.post("/practice", data=form)  # the unreadable third answer: nothing marked yet
    assert refused.status_code == 422, refused.text
    said = parse(refused.text)
    assert "is not a number" in said.said("answer-3-error") and "score-title" not in said.by_id
    assert not _shows(said.all_text, sheet, answers) and "Worked steps:" not in said.all_text
    marked = keyed.post("/practice", data={**form, "answer-3": ""})
    assert marked.status_code == 200, marked.text
    page = parse(marked.text)
    assert page.said("mark-1").startswith("Right") and page.said("mark-2").startswith("Wrong")
    assert page.said("mark-3").startswith("No answer")
    assert "answers and worked steps are withheld" in page.all_text
    # the sheet's rules say "Worked steps by ..."; a key's steps would follow "The answer is ... Worked steps:"
    assert "Worked steps:" not in page.all_text and "The answer is" not in page.all_text
    assert not _shows(page.all_text, sheet, answers) and "expected" not in page.said("mark-2")


def test_the_api_marks_a_graded_code_with_answers_withheld(keyed: TestClient, key: TeacherKey) -> None:
    sheet, answers = _graded(key)
    answer = keyed.post("/api/mark", json={"sheet": sheet.code, "answers": {str(n): t for n, t in answers.items()}})
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
