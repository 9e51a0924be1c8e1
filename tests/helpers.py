"""Shared test helpers: quantity comparison and running the CLI in-process."""

from __future__ import annotations

import io
import json
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from typing import Any

import pint
import pytest

from dosecalc.cli import main
from dosecalc.units import Q_

#: The worked example of the teaching issue: 154 lb, 100 mg in 50 mL, a 20 gtt/mL set.
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
