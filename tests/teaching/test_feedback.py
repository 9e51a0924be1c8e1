"""Feedback to hand back: `check --feedback DIR` writes one printable page per student, named safely."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import dosecalc
from dosecalc import DISCLAIMER
from dosecalc.render.html import feedback_filename
from dosecalc.results import Sheet
from dosecalc.teaching.keys import TeacherKey

from ..helpers import run


def _bag_sheet(**options: object) -> Sheet:
    sheet = dosecalc.exercises(count=3, seed=5, **options)  # type: ignore[arg-type]
    assert isinstance(sheet, Sheet)
    # 1,000 mL / 181 mL/h = 5.5249 h, to 0.1 h: 5.5 h
    assert sheet[0].question == "A 1000 mL bag runs at 181 mL/h. How long does it take to infuse, in h?"
    # 0.35 mg/kg/h x 56.2 kg = 19.67 mg/h (under the 25 mg/h cap); x 8 h = 157.36 mg, to 0.1 mg: 157.4 mg
    assert sheet[1].question.startswith("For a patient weighing 56.2 kg, the regimen gives 0.35 mg/kg/h for 8 h")
    return sheet


@pytest.mark.parametrize(
    ("position", "student", "name"),
    [
        (1, "Ana Lima", "001-ana-lima.html"),
        (2, "../../etc/passwd", "002-etc-passwd.html"),
        (3, "Zoë <b>O'Brien</b>", "003-zoe-b-o-brien-b.html"),
        (4, "..", "004-student.html"),
        (5, "", "005-student.html"),
        (6, None, "006-student.html"),
        (7, "C:\\CON", "007-c-con.html"),
        (12, "x" * 100, f"012-{'x' * 40}.html"),
    ],
    ids=["plain", "a path", "markup and accents", "dots", "empty", "no name", "a device", "long"],
)
def test_a_feedback_file_name_is_safe_from_the_students_name(position: int, student: str | None, name: str) -> None:
    assert feedback_filename(position, student) == name


def test_check_writes_one_page_per_student_with_answers_marks_diagnoses_and_steps(tmp_path: Path) -> None:
    sheet = _bag_sheet()
    answers = tmp_path / "class.csv"
    answers.write_text(
        "student,sheet,1,2,3\n"
        f"Ana Lima,{sheet.code},5.5,157.4,\n"
        f'"../../etc/passwd",{sheet.code},55,1 mg,x\n'
        f"Zoë <b>O</b>,{sheet.code},5.5,,\n"
        f"Ana-Lima,{sheet.code},,,\n",
        encoding="utf-8",
    )
    folder = tmp_path / "feedback"
    done = run("check", str(answers), "--feedback", str(folder))
    assert done.exit_code == 1, done.output  # the unreadable 'x'
    assert "Wrote 4 feedback page(s)" in done.stderr
    files = sorted(path.name for path in tmp_path.rglob("*") if path.is_file())
    assert files == ["001-ana-lima.html", "002-etc-passwd.html", "003-zoe-b-o-b.html", "004-ana-lima.html", "class.csv"]
    assert all(path.parent == folder for path in folder.iterdir())
    page = (folder / "002-etc-passwd.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count(DISCLAIMER) == 2
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Feedback: ../../etc/passwd" in text and "0/3 right" in text
    # 55 for 5.5 h: ten times the key, the decimal point one place out
    assert "Wrong . Your answer: 55 . Expected 5.5 h; off by a factor of 10" in text
    assert "Answer: 5.5 h" in text and "duration: 1,000 mL ÷ 181 mL/h = 5.5249 h" in text
    assert "Unreadable . Your answer: x . Unreadable: is not a number" in text
    assert "dose per session: 19.67 mg/h × 8 h = 157.36 mg" in text  # the steps of the wrong second answer
    right = (folder / "001-ana-lima.html").read_text(encoding="utf-8")
    assert "Right" in right and "2/3 right" in right and "5.5249 h" not in right  # no steps for a right answer
    named = (folder / "003-zoe-b-o-b.html").read_text(encoding="utf-8")
    assert "<b>O</b>" not in named and "Zoë &lt;b&gt;O&lt;/b&gt;" in named


def test_a_graded_sheets_feedback_with_the_teacher_key_gives_the_steps(tmp_path: Path) -> None:
    key_file = tmp_path / "teacher.key"
    key: TeacherKey = dosecalc.new_teacher_key(key_file)
    sheet = dosecalc.exercises(count=2, seed=4, teacher_key=key, key=True)
    assert isinstance(sheet, Sheet) and sheet.graded
    answers = tmp_path / "a.csv"
    answers.write_text(f"student,sheet,1,2\nAna,{sheet.code},{sheet[0].answer!r},1\n")
    done = run("check", str(answers), "--teacher-key", str(key_file), "--feedback", str(tmp_path / "out"))
    assert done.exit_code == 0, done.output
    page = (tmp_path / "out" / "001-ana.html").read_text(encoding="utf-8")
    assert all(step in page for step in sheet[1].steps[:1])  # the teacher's output: the key and its steps


@pytest.mark.parametrize("where", ["a file", "no parent"])
def test_a_feedback_folder_that_cannot_be_used_is_refused_before_any_work(tmp_path: Path, where: str) -> None:
    sheet = _bag_sheet()
    answers = tmp_path / "a.csv"
    answers.write_text(f"student,sheet,1\nAna,{sheet.code},5.5\n")
    target = tmp_path / "taken.html" if where == "a file" else tmp_path / "missing" / "feedback"
    if where == "a file":
        target.write_text("kept")
    gradebook = tmp_path / "gb.csv"
    done = run("check", str(answers), "--gradebook", str(gradebook), "--feedback", str(target))
    assert done.exit_code == 2 and "--feedback: " in done.stderr and "Traceback" not in done.stderr
    assert not gradebook.exists()  # checked before any work
    if where == "a file":
        assert target.read_text() == "kept"
