"""``dosecalc serve``: where it listens and what it says, and its refusals before the server starts."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from dosecalc import DoseCalcError

from .helpers import run

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(*args: str, then: Callable[[int], None] | None = None) -> tuple[str, int, int]:
    """Start ``dosecalc serve ARGS`` on a free port, wait until it answers on loopback, call ``then(port)``,
    stop it (SIGTERM); its stderr, port and exit code."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "dosecalc", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "dosecalc serve did not answer"
                time.sleep(0.2)
        if then is not None:
            then(port)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=15)
    return err, port, process.returncode


def test_serves_on_loopback_and_prints_the_address() -> None:
    err, port, code = _serve()
    lines = err.splitlines()
    assert lines[0] == f"dosecalc is serving http://127.0.0.1:{port}/ (press Ctrl+C to stop)"
    assert not any(line.startswith("note:") for line in lines), err
    # stopped as a service manager stops it: a plain line and success, not an error
    assert lines[-1] == "dosecalc stopped (SIGTERM)" and code == 0, (err, code)


def test_all_interfaces_gets_a_one_line_notice() -> None:
    err, _, _ = _serve("--host", "0.0.0.0")
    notices = [line for line in err.splitlines() if line.startswith("note:")]
    assert notices == [
        "note: listening on 0.0.0.0: every device that can reach this computer on the network can open it",
        "note: the teacher's pages are closed on a network address without --teacher-key FILE",
    ]


def test_with_a_teacher_key_it_prints_the_login_code(tmp_path: Path) -> None:
    from dosecalc import api
    from dosecalc.web.access import login_code

    path = tmp_path / "teacher.key"
    key = api.new_teacher_key(path)
    err, port, code = _serve("--teacher-key", str(path))
    assert f"teacher's pages: log in at http://127.0.0.1:{port}/teacher/login with the code {login_code(key)} " in err
    assert path.read_text(encoding="utf-8").split()[-1] not in err, "the secret is never printed"
    assert code == 0, err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--port", "0"], "error: --port: 0 is not a port number from 1 to 65535"),
        (["--port", "70000"], "error: --port: 70000 is not a port number from 1 to 65535"),
        (["--workers", "0"], "error: --workers: 0 is not a whole number from 1 to 32"),
        (["--regimens-dir", "/nonexistent"], "error: --regimens-dir: /nonexistent is not a folder of regimen cards"),
    ],
    ids=["port-zero", "port-high", "workers-zero", "no-such-folder"],
)
def test_refused_before_the_server_starts(args: list[str], expected: str) -> None:
    result = run("serve", *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == expected


def test_a_port_in_use_is_refused() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: --port: cannot listen on 127.0.0.1 port {port}")


def test_a_broken_card_stops_it_before_it_starts(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('id = "x"\n', encoding="utf-8")
    result = run("serve", "--regimens-dir", str(tmp_path), "--port", str(_free_port()))
    assert result.exit_code == 2, result.output
    assert "bad.toml" in result.stderr


def test_without_the_web_extra_it_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from dosecalc import extras
    from dosecalc.web.serve import run as serve

    monkeypatch.setattr(extras, "find_spec", lambda name: None if name in ("fastapi", "uvicorn") else object())
    with pytest.raises(DoseCalcError) as refused:
        serve("127.0.0.1", 8000, None, 1)
    assert str(refused.value) == (
        "the web app needs fastapi and uvicorn: install the web extra (in dosecalc's source folder: "
        "pip install '.[web]')"
    )


def test_concurrent_first_requests_to_a_fresh_server_all_find_the_built_in_cards() -> None:
    """The first requests of a new server arrive together, in threads: each must find its built-in card (a
    card validated on first look by two threads at once was once reported as an unknown regimen, or a 500)."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    from .helpers import BUILTIN_IDS

    answers: list[tuple[str, int, str]] = []

    def ask(port: int, regimen: str) -> tuple[str, int, str]:
        address = f"http://127.0.0.1:{port}/api/table?regimen={regimen}"
        try:
            with urllib.request.urlopen(address, timeout=60) as answer:
                return regimen, answer.status, json.loads(answer.read())["rows"][0]["regimen"]
        except urllib.error.HTTPError as error:
            return regimen, error.code, error.read().decode()

    def burst(port: int) -> None:
        requests = [regimen for regimen in BUILTIN_IDS for _ in range(3)]
        with ThreadPoolExecutor(len(requests)) as pool:
            answers.extend(pool.map(lambda regimen: ask(port, regimen), requests))

    _serve(then=burst)
    assert len(answers) == 3 * len(BUILTIN_IDS)
    assert all(status == 200 and found == regimen for regimen, status, found in answers), answers
