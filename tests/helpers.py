"""Shared test helpers: quantity comparison and running the CLI in-process."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pint
import pytest

from dosecalc.cli import main
from dosecalc.units import Q_

#: The worked example of the teaching issue: 154 lb, 100 mg in 50 mL, a 20 gtt/mL set.
#: The four seed cards, in their order: the hand-worked tables and sheets of the tests are theirs.
SEED_IDS = ("rate-22-mg-h", "rate-0.35-mg-kg-h", "total-80-mg-5-h", "initial-80-mg-2-h")
#: The three cards added from their sources (issue 17): with the seed cards, the cards sheets are drawn from.
ISSUE_17_IDS = ("rate-22-mg-h-4-days", "total-0.5-mg-kg-40-min", "bolus-0.5-mg-kg-then-10-mcg-kg-min")
#: The three cards added from their sources in issue 26: built in, but left out of sheets.
ISSUE_26_IDS = ("rate-40-mg-h-5-days", "total-1-mg-kg-40-min", "rate-0.6-mg-kg-h-96-h")
#: Every built-in card, in the order of the numbers their files in regimens/ start with: the seed cards, then the
#: three added in issue 17, then the three added in issue 26.
BUILTIN_IDS = (*SEED_IDS, *ISSUE_17_IDS, *ISSUE_26_IDS)
WORKED_EXAMPLE = ("--weight", "154 lb", "--concentration", "100 mg in 50 mL", "--drop-factor", "20 gtt/mL")


#: A valid teacher's card (weight-based total), for tests of --regimens-dir and of card validation.
GOOD = """\
id = "teach-1-mg-kg-1-h"
title = "Teaching example: 1 mg/kg over 1 hour"
indication = "Classroom exercise"
kind = "weight-based-total"
total_dose_per_kg = "1 mg/kg"
duration = "1 h"
sessions = 1

[[sources]]
citation = "Course handout"
says = "1 mg/kg over one hour."
"""


def assert_quantity_close(actual: pint.Quantity, expected: pint.Quantity, rtol: float = 1e-12) -> None:
    """Fail unless ``actual`` converts to ``expected``'s unit and matches it to ``rtol``."""
    converted = actual.to(expected.units)  # raises DimensionalityError when the units cannot convert
    assert converted.magnitude == pytest.approx(expected.magnitude, rel=rtol, abs=0), (actual, expected)


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return f"exit {self.exit_code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"

    def json(self) -> Any:
        return json.loads(self.stdout)


def run(*args: str, stdin: str | None = None) -> Result:
    """Run ``dosecalc ARGS`` in-process, through the same entry point as the console script."""
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
    finally:
        sys.stdin = old_stdin
    return Result(code, out.getvalue(), err.getvalue())


def value(obj: dict[str, Any], unit: str) -> pint.Quantity:
    """A JSON ``{"value", "unit"}`` object as a quantity, checking it is in the promised unit."""
    assert obj["unit"] == unit, obj
    return Q_(obj["value"], unit)


def chromium_or_skip() -> str:
    """Debian's Chromium for the print tests (with poppler-utils to read the PDF); a skip where they are not
    installed, and a failure under CI=true, where they must be."""
    binary = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    if binary is None or shutil.which("pdftotext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the browser test: install Debian's chromium and poppler-utils")
        pytest.skip("headless Chromium or poppler-utils is not installed here")
    return binary


def browser(binary: str, profile: Path, *args: str) -> None:
    """Headless Chromium with a throwaway profile, nothing fetched in the background."""
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def pdf_pages(binary: str, page: Path) -> list[str]:
    """The text of each page of ``page`` printed to PDF by Chromium (without its own header and footer)."""
    pdf = page.with_suffix(".pdf")
    browser(binary, page.parent / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]  # pdftotext ends every page with a form feed
