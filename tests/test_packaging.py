"""A plain (not editable) install into a fresh virtual environment ships the regimen cards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from .helpers import BUILTIN_IDS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_fresh_pip_install_lists_every_built_in_card(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    # run from an empty folder so that nothing is imported from the source tree
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    listing = subprocess.run(
        [str(env_dir / "bin" / "dosecalc"), "regimens", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=environment,
    )
    assert listing.returncode == 0, listing.stderr
    ids = [card["id"] for card in json.loads(listing.stdout)["regimens"]]
    # the seven cards of the repository's regimens/, the phased one among them (its phases load installed too)
    assert ids == list(BUILTIN_IDS)
    files = [card["file"] for card in json.loads(listing.stdout)["regimens"]]
    assert all(str(ROOT) not in f for f in files), files  # the installed copies, not the repository's
    module = subprocess.run(
        [str(python), "-m", "dosecalc", "table", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=environment,
    )
    assert module.returncode == 0, module.stderr
    assert sys.executable != str(python)
