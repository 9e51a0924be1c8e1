"""Helpers of :mod:`dosecalc.files` tested on their own (the writes and reads are tested through the CLI in
tests/test_reliability.py)."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from dosecalc import files
from dosecalc.files import ascii_slug


@pytest.mark.parametrize(
    ("name", "limit", "slug"),
    [
        ("Ana Lima", 40, "Ana-Lima"),
        # ë is e + a combining diaeresis under NFKD, the diaeresis is dropped; ' and the space are one run
        ("Zoë O'Brien", 40, "Zoe-O-Brien"),
        # á, é, ñ, ú lose their accents the same way
        ("  José  Núñez ", 40, "Jose-Nunez"),
        # each run of / and . is one hyphen, and those at the ends go
        ("../../etc/passwd", 40, "etc-passwd"),
        ("a.b/c\\d", 40, "a-b-c-d"),
        ("C:\\CON", 40, "C-CON"),
        ("..", 40, ""),
        ("", 40, ""),
        (None, 40, ""),
        # Æ and ø have no ASCII letters under NFKD, so only the r is left; ✓ is no letter at all
        ("Ærø", 40, "r"),
        ("✓", 40, ""),
        # the ligature ﬁ is f + i under NFKD
        ("ﬁle", 40, "file"),
        # 100 x, cut to the limit of 40
        ("x" * 100, 40, "x" * 40),
        # "abc-def" cut to 4 is "abc-"; the hyphen left at the end goes
        ("abc def", 4, "abc"),
    ],
    ids=[
        "plain",
        "accent and apostrophe",
        "accents and spaces",
        "a path",
        "dots and slashes",
        "a device",
        "dots",
        "empty",
        "no name",
        "no ascii letters",
        "a symbol",
        "a ligature",
        "over-long",
        "cut at a hyphen",
    ],
)
def test_ascii_slug_keeps_ascii_letters_and_digits_joined_by_single_hyphens(
    name: str | None, limit: int, slug: str
) -> None:
    assert ascii_slug(name, limit) == slug


class _Stop(Exception):
    pass


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_as_the_temporary_file_is_made_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: int
) -> None:
    """The signal comes the moment the temporary file exists, before anything holds it (the handler raises as
    the command line's does): the writer still removes it."""
    real_open = os.open

    def made_then_signalled(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        descriptor = real_open(path, flags, *args, **kwargs)
        if str(path).endswith(".tmp"):
            os.kill(os.getpid(), signum)
        return descriptor

    def stop(number: int, frame: Any) -> None:
        raise _Stop(number)

    previous = signal.signal(signum, stop)
    monkeypatch.setattr(os, "open", made_then_signalled)
    try:
        with pytest.raises(_Stop), files.atomic_writer(tmp_path / "out.csv") as out:
            out.write("id\n")
    finally:
        signal.signal(signum, previous)
        monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []
