"""``dosecalc --help`` and each command's ``--help`` answer without importing the engine: not pint, and none of
dosecalc's modules that build on it (units, card models, dosing). Checked in a fresh interpreter, from the
modules ``python -X importtime`` reports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Modules a help text has no use for: the unit library and dosecalc's engine.
ENGINE = ("pint", "numpy", "dosecalc.units", "dosecalc.regimens", "dosecalc.dosing", "dosecalc.api")


def _help(*command: str) -> tuple[str, set[str]]:
    """The help text of ``dosecalc *command --help`` and the modules the run imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dosecalc", *command, "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "dosecalc.cli.app" in modules, done.stderr[-2000:]  # the report is read: the command's own module is in it
    return done.stdout, modules


def _commands() -> list[str]:
    text, _ = _help()
    lines = text.split("Commands:", 1)[1].splitlines()
    names = [line.split()[0] for line in lines if line.startswith("  ") and line.split()]
    assert "table" in names and "simulate" in names, text
    return names


def _engine(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == e or m.startswith(e + ".") for e in ENGINE))


def test_the_main_help_imports_no_engine() -> None:
    _, modules = _help()
    assert _engine(modules) == []


@pytest.mark.parametrize("command", _commands())
def test_each_commands_help_imports_no_engine(command: str) -> None:
    text, modules = _help(command)
    assert f"dosecalc {command}" in text, text
    assert _engine(modules) == []
