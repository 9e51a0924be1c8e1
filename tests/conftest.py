"""Fixtures shared by the test modules (plain helper functions live in tests/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dosecalc.regimens import Catalogue, load_catalogue

from .helpers import GOOD


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The built-in cards, loaded once."""
    return load_catalogue()


@pytest.fixture
def card_folder(tmp_path: Path) -> Path:
    """A folder holding one valid teacher's card (id teach-1-mg-kg-1-h, 1 mg/kg over 1 h)."""
    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "mine.toml").write_text(GOOD, encoding="utf-8")
    return folder
