"""The web app's JSON API with the test client: the same JSON as the command line for the same request, 422
with the field named for bad input, the limits and headers of every response."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient

from dosecalc import api
from dosecalc.results import Sheet
from dosecalc.web.app import create_app

from .helpers import run


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


# Each case: the API's query, and the same request on the command line.
SAME_AS_CLI = [
    pytest.param("/api/table", {"weight": "70 kg"}, ["table", "--weight", "70 kg"], id="table"),
    pytest.param(
        "/api/table",
        {
            "weight": "154 lb",
            "regimen": ["rate-0.35-mg-kg-h", "rate-22-mg-h"],
            "concentration": "100 mg in 50 mL",
            "drop_factor": "20 gtt/mL",
            "sessions": "3",
            "explain": "true",
            "notes": "full",
        },
        [
            "table",
            "--weight",
            "154 lb",
            "--regimen",
            "rate-0.35-mg-kg-h",
            "--regimen",
            "rate-22-mg-h",
            "--concentration",
            "100 mg in 50 mL",
            "--drop-factor",
            "20 gtt/mL",
            "--sessions",
            "3",
            "--explain",
            "--notes",
            "full",
        ],
        id="table-what-if",
    ),
    pytest.param(
        "/api/table",
        {"weight": "120 kg", "max_rate": "30 mg/h", "duration": "3 h"},
        ["table", "--weight", "120 kg", "--max-rate", "30 mg/h", "--duration", "3 h"],
        id="table-cap",
    ),
    pytest.param("/api/table", {"no_cap": "true"}, ["table", "--no-cap"], id="table-no-cap"),
    pytest.param(
        "/api/schedule",
        {"regimen": "initial-80-mg-2-h", "weight": "70 kg", "step": "30 min", "concentration": "2 mg/mL"},
        ["schedule", "initial-80-mg-2-h", "--weight", "70 kg", "--step", "30 min", "--concentration", "2 mg/mL"],
        id="schedule",
    ),
    pytest.param("/api/cards", {}, ["regimens"], id="cards"),
    pytest.param(
        "/api/simulate",
        {
            "regimen": "rate-22-mg-h",
            "weight": "80 kg",
            "sessions": "2",
            "interval": "12 h",
            "compare": "rate-0.35-mg-kg-h",
        },
        [
            "simulate",
            "rate-22-mg-h",
            "--weight",
            "80 kg",
            "--sessions",
            "2",
            "--interval",
            "12 h",
            "--compare",
            "rate-0.35-mg-kg-h",
        ],
        id="simulate",
    ),
    pytest.param(
        "/api/exercises",
        {"count": "4", "seed": "9", "level": "3", "pound": "2.2", "key": "true"},
        ["exercises", "--count", "4", "--seed", "9", "--level", "3", "--pound", "2.2", "--answers"],
        id="exercises-key",
    ),
    pytest.param("/api/exercises", {}, ["exercises"], id="exercises-default"),
    pytest.param(
        "/api/exercises",
        {"count": "3", "seed": "5", "decimal": "comma"},
        ["exercises", "--count", "3", "--seed", "5", "--decimal", "comma"],
        id="exercises-decimal-comma",
    ),
]


@pytest.mark.parametrize(("path", "query", "command"), SAME_AS_CLI)
def test_json_equals_the_command_line_json(
    client: TestClient, path: str, query: dict[str, Any], command: list[str]
) -> None:
    response = client.get(path, params=query)
    assert response.status_code == 200, response.text
    cli = run(*command, "--format", "json")
    assert cli.exit_code == 0, cli.output
    assert response.json() == cli.json()
    assert response.text == cli.stdout  # the very bytes, not only the same values
    assert response.headers["content-type"].startswith("application/json")


def test_mark_reads_a_decimal_comma_by_the_sheets_rule(client: TestClient) -> None:
    # 1,000 mL / 181 mL/h = 5.5249 h, to 0.1 h: 5.5 h, written 5,5 under the decimal comma
    answer = client.post("/api/mark", json={"answers": {"1": "5,5"}, "seed": 5, "count": 3, "decimal": "comma"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["marks"][0]["status"] == "right"
    point = client.post("/api/mark", json={"answers": {"1": "5,5"}, "seed": 5, "count": 3})
    assert point.json()["marks"][0]["status"] == "unreadable"


def test_mark_equals_the_check_command(client: TestClient, tmp_path: Path) -> None:
    sheet = api.exercises(count=4, seed=5, conventions="pound-2.2")
    assert isinstance(sheet, Sheet)
    answers = {"1": f"{sheet[0].answer!r} {sheet[0].unit}", "2": "1", "3": "twelve", "4": ""}
    response = client.post("/api/mark", json={"answers": answers, "sheet": sheet.code})
    assert response.status_code == 200, response.text
    rows = "".join(f"{number},{text}\n" for number, text in answers.items())
    (tmp_path / "answers.csv").write_text("problem,answer\n" + rows, encoding="utf-8")
    cli = run("check", str(tmp_path / "answers.csv"), "--sheet", sheet.code, "--format", "json")
    assert cli.exit_code in (0, 1), cli.output
    assert response.json() == cli.json()
    assert [mark["status"] for mark in response.json()["marks"]] == ["right", "wrong", "unreadable", "no answer"]


def test_mark_by_seed_and_options_equals_the_check_command(client: TestClient, tmp_path: Path) -> None:
    payload = {"answers": {"1": "88", "2": "12.2"}, "seed": 3, "count": 2, "level": 2, "pump_rounding": "1"}
    response = client.post("/api/mark", json=payload)
    assert response.status_code == 200, response.text
    (tmp_path / "a.csv").write_text("problem,answer\n1,88\n2,12.2\n", encoding="utf-8")
    cli = run(
        "check", str(tmp_path / "a.csv"), "--seed", "3", "--count", "2", "--level", "2", "--pump-rounding", "1",
        "--format", "json",
    )  # fmt: skip
    assert response.json() == cli.json(), cli.output


def test_sheets_for_students_equal_the_command_line(client: TestClient, tmp_path: Path) -> None:
    response = client.get("/api/exercises", params={"count": "2", "seed": "4", "students": ["Ann", "Bo"]})
    assert response.status_code == 200, response.text
    (tmp_path / "class.csv").write_text("student\nAnn\nBo\n", encoding="utf-8")
    cli = run("exercises", "--count", "2", "--seed", "4", "--students", str(tmp_path / "class.csv"), "--format", "json")
    assert response.json() == cli.json(), cli.output


def test_conventions_choices_are_the_profiles() -> None:
    from dosecalc.teaching.sheets import PROFILES
    from dosecalc.web.fields import CONVENTIONS

    assert [value for value, _ in CONVENTIONS.choices] == list(PROFILES)


BAD = [
    pytest.param("/api/table", {"weight": "70,5 kg"}, "weight", "decimal comma", id="weight-comma"),
    pytest.param("/api/table", {"weight": "70"}, "weight", "no unit", id="weight-no-unit"),
    pytest.param("/api/table", {"weight": "9**9**9 kg"}, "weight", "", id="weight-expression"),
    pytest.param("/api/table", {"regimen": "nope"}, "regimen", "nope", id="regimen-unknown"),
    pytest.param("/api/table", {"duration": "1 h", "regimen": "initial-80-mg-2-h"}, "duration", "", id="duration-min"),
    pytest.param("/api/table", {"concentration": "2 mg"}, "concentration", "", id="concentration-kind"),
    pytest.param(
        "/api/table",
        {"drop_factor": "20 gtt/mL", "regimen": "initial-80-mg-2-h"},
        "drop_factor",
        "concentration",
        id="drip-alone",
    ),
    pytest.param("/api/table", {"sessions": "0"}, "sessions", "1 to 365", id="sessions-zero"),
    pytest.param("/api/table", {"sessions": "two"}, "sessions", "whole number", id="sessions-text"),
    pytest.param("/api/table", {"max_rate": "25 mg"}, "max_rate", "", id="max-rate-kind"),
    pytest.param("/api/table", {"max_rate": "25 mg/h", "no_cap": "true"}, "no_cap", "choose one", id="cap-both"),
    pytest.param("/api/table", {"no_cap": "perhaps"}, "no_cap", "true or false", id="no-cap-word"),
    pytest.param("/api/table", {"notes": "some"}, "notes", "brief, full", id="notes-choice"),
    pytest.param("/api/table", {"weight": "7" * 101 + " kg"}, "weight", "longer than 100", id="weight-too-long"),
    pytest.param("/api/table", {"regimen": ["rate-22-mg-h"] * 21}, "regimen", "more than 20", id="too-many-ids"),
    pytest.param("/api/schedule", {}, "regimen", "required", id="schedule-regimen-missing"),
    pytest.param("/api/schedule", {"regimen": "rate-22-mg-h", "step": "0 min"}, "step", "", id="step-zero"),
    pytest.param("/api/simulate", {"regimen": "rate-22-mg-h", "sessions": "61"}, "sessions", "", id="sim-sessions"),
    pytest.param("/api/simulate", {"regimen": "rate-22-mg-h", "model": "x"}, "model", "", id="sim-model"),
    pytest.param("/api/simulate", {"regimen": "rate-22-mg-h", "compare": "nope"}, "compare", "", id="sim-compare"),
    pytest.param("/api/exercises", {"count": "501"}, "count", "", id="count-high"),
    pytest.param("/api/exercises", {"seed": "-1"}, "seed", "", id="seed-negative"),
    pytest.param("/api/exercises", {"level": "4"}, "level", "", id="level-high"),
    pytest.param("/api/exercises", {"pound": "2"}, "pound", "exact, 2.2", id="pound"),
    pytest.param("/api/exercises", {"conventions": "/etc/passwd"}, "conventions", "", id="conventions-path"),
]


@pytest.mark.parametrize(("path", "query", "field", "words"), BAD)
def test_bad_input_is_422_naming_its_field(
    client: TestClient, path: str, query: dict[str, Any], field: str, words: str
) -> None:
    response = client.get(path, params=query)
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"field", "message"}, body
    assert body["error"]["field"] == field, body
    assert words in body["error"]["message"], body
    assert "Traceback" not in response.text


def test_library_message_is_the_command_line_message(client: TestClient) -> None:
    response = client.get("/api/table", params={"weight": "70,5 kg"})
    cli = run("table", "--weight", "70,5 kg")
    assert cli.exit_code == 2
    assert cli.stderr.strip() == f"error: --weight: {response.json()['error']['message']}"


MARK_BAD = [
    pytest.param({"answers": {"1": "88"}, "seed": "x"}, "seed", id="seed-text"),
    pytest.param({"answers": {"x": "88"}, "seed": 1}, "answers", id="problem-not-a-number"),
    pytest.param({"answers": {"1": "88"}}, "sheet", id="which-sheet"),
    pytest.param({"answers": {"1": "88"}, "sheet": "7KQ2-M9XA"}, "sheet", id="sheet-code-typo"),
    pytest.param({"answers": {"1": "88"}, "sheet": "7KQ2", "seed": 2}, "seed", id="code-and-seed"),
    pytest.param({"answers": {"1": "88"}, "seed": 1, "conventions": "/etc/passwd"}, "conventions", id="path"),
    pytest.param({"answers": {"1": "88"}, "seed": 1, "count": 0}, "count", id="count-zero"),
    pytest.param({"answers": {"1": "88"}, "extra": 1}, "extra", id="unknown-field"),
    pytest.param({"answers": {"1": "8" * 101}}, "answers", id="answer-too-long"),
    pytest.param({"answers": "1,88"}, "answers", id="answers-not-an-object"),
    pytest.param({}, "answers", id="answers-missing"),
]


@pytest.mark.parametrize(("payload", "field"), MARK_BAD)
def test_bad_marking_request_is_422(client: TestClient, payload: dict[str, Any], field: str) -> None:
    response = client.post("/api/mark", json=payload)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field, response.text


def test_broken_json_body_is_422(client: TestClient) -> None:
    response = client.post("/api/mark", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "body"


def test_body_over_64_kb_is_413_declared_or_not(client: TestClient) -> None:
    big = json.dumps({"answers": {"1": "x" * 70_000}}).encode()
    response = client.post("/api/mark", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413, response.text
    assert response.json()["error"]["field"] == "body"

    def chunks() -> Any:  # no Content-Length: sent chunked
        for _ in range(70):
            yield b"x" * 1024

    response = client.post("/api/mark", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413, response.text
    # a body just under the limit is read and judged on its content
    response = client.post("/api/mark", content=b" " * 60_000 + b"{}", headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text


def test_query_over_8_kb_is_414(client: TestClient) -> None:
    response = client.get("/api/table", params={"x": "y" * 9000})
    assert response.status_code == 414, response.text


@pytest.mark.parametrize("path", ["/api/table", "/", "/cards", "/healthz", "/nope", "/api/nope"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_unknown_api_path_is_404_in_the_error_shape(client: TestClient) -> None:
    response = client.get("/api/nope")
    assert response.status_code == 404
    assert response.json()["error"]["field"] is None
    assert client.post("/api/table").status_code == 405


def test_openapi_documents_the_endpoints_and_the_error_shape(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/table", "/api/schedule", "/api/cards", "/api/simulate", "/api/exercises", "/api/mark"):
        assert path in paths
    table = paths["/api/table"]["get"]
    assert {p["name"] for p in table["parameters"]} >= {"weight", "regimen", "drop_factor", "no_cap", "notes"}
    assert table["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert not any(path.startswith("/practice") for path in paths)  # pages are not part of the API


def test_server_folder_of_cards_is_used_and_no_path_comes_from_a_request(card_folder: Path) -> None:
    client = TestClient(create_app(card_folder))
    response = client.get("/api/table", params={"regimen": "teach-1-mg-kg-1-h", "weight": "50 kg"})
    assert response.status_code == 200, response.text
    # 1 mg/kg x 50 kg = 50 mg over 1 h = 50 mg/h
    assert response.json()["rows"][0]["rate"]["value"] == pytest.approx(50.0)
    parameters = client.get("/openapi.json").json()["paths"]["/api/table"]["get"]["parameters"]
    assert "regimens_dir" not in {p["name"] for p in parameters}
    # a folder named in the query is not a parameter: refused as any unknown parameter, never used
    sneaky = client.get(
        "/api/table", params={"regimen": "teach-1-mg-kg-1-h", "weight": "50 kg", "regimens_dir": "/nonexistent"}
    )
    assert sneaky.status_code == 422
    assert sneaky.json() == {"error": {"field": "regimens_dir", "message": "is not a field of this request"}}


#: (path, a parameter that is one value, a good value of it, other parameters the route needs)
SINGLE_VALUED = [
    ("/api/table", "weight", "70 kg", {}),
    ("/api/schedule", "step", "30 min", {"regimen": "rate-22-mg-h"}),
    ("/api/simulate", "sessions", "1", {"regimen": "rate-22-mg-h"}),
    ("/api/exercises", "seed", "5", {"count": "2"}),
]


@pytest.mark.parametrize(("path", "name", "value", "others"), SINGLE_VALUED, ids=[row[0] for row in SINGLE_VALUED])
def test_a_parameter_given_twice_is_refused_naming_it(
    client: TestClient, path: str, name: str, value: str, others: dict[str, str]
) -> None:
    """weight=70kg&weight=80kg was read as 80 kg: a value given twice is refused, never one of them taken."""
    once = client.get(path, params={**others, name: value})
    assert once.status_code == 200, once.text
    twice = client.get(path, params=[*others.items(), (name, value), (name, value)])
    assert twice.status_code == 422
    assert twice.json() == {"error": {"field": name, "message": "is given 2 times; give it once"}}


@pytest.mark.parametrize(("path", "name", "value", "others"), SINGLE_VALUED, ids=[row[0] for row in SINGLE_VALUED])
def test_an_unknown_parameter_is_refused_naming_it(
    client: TestClient, path: str, name: str, value: str, others: dict[str, str]
) -> None:
    refused = client.get(path, params={**others, name: value, "wieght": "80 kg"})  # a typo is not ignored
    assert refused.status_code == 422
    assert refused.json() == {"error": {"field": "wieght", "message": "is not a field of this request"}}


def test_every_api_route_refuses_a_name_given_twice(client: TestClient) -> None:
    """The check that a name is given once is named on each route (/api/table makes it itself), not on the
    router: a route added without it would take one of two values silently."""
    paths = client.get("/openapi.json").json()["paths"]
    routes = [
        (method.upper(), path) for path, methods in paths.items() if path.startswith("/api/") for method in methods
    ]
    assert {path for _, path in routes} >= {"/api/table", "/api/cards", "/api/mark"}
    for method, path in routes:
        twice = client.request(method, path, params=[("zz", "1"), ("zz", "2")])
        assert twice.status_code == 422, (method, path, twice.text)
        assert twice.json() == {"error": {"field": "zz", "message": "is given 2 times; give it once"}}, (method, path)


def test_a_list_parameter_may_be_repeated(client: TestClient) -> None:
    both = client.get("/api/table", params=[("regimen", "rate-22-mg-h"), ("regimen", "total-80-mg-5-h")])
    assert [row["regimen"] for row in both.json()["rows"]] == ["rate-22-mg-h", "total-80-mg-5-h"]


@pytest.mark.parametrize(
    "body",
    [
        '{"answers": {"1": "10 mg", "1": "11 mg"}, "seed": 5, "count": 3}',
        '{"answers": {"1": "10 mg"}, "seed": 5, "seed": 6, "count": 3}',
    ],
    ids=["answer", "seed"],
)
def test_a_json_key_given_twice_is_refused(client: TestClient, body: str) -> None:
    """A JSON parser keeps the last of two equal keys: the second answer was marked and the first lost."""
    refused = client.post("/api/mark", content=body, headers={"content-type": "application/json"})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "body"
    assert "is given twice in one JSON object; give it once" in refused.json()["error"]["message"]


@pytest.mark.parametrize("number", ["²", "٣", "１", "½"], ids=["superscript", "arabic-indic", "fullwidth", "fraction"])
def test_a_problem_number_in_other_digits_is_422_on_the_api(client: TestClient, number: str) -> None:
    refused = client.post("/api/mark", json={"answers": {number: "10 mg"}, "seed": 5, "count": 3})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "answers"


def test_numbers_too_long_to_read_are_said_to_be_so(client: TestClient) -> None:
    query = client.get("/api/exercises", params={"seed": "9" * 5000})
    assert query.status_code == 422
    assert query.json()["error"] == {
        "field": "seed",
        "message": "is a whole number of 5,000 digits, too long to read; expected at most 19 digits",
    }
    body = '{"answers": {"1": "10 mg"}, "seed": ' + "9" * 5000 + ', "count": 3}'
    posted = client.post("/api/mark", content=body, headers={"content-type": "application/json"})
    assert posted.status_code == 422
    assert "holds a number too long to read" in posted.json()["error"]["message"]
