"""The README's examples are the program's real output: each ```console command is run and each ```pycon
session is replayed with doctest, so the README fails the suite as soon as it drifts from the program.

In a ```console block a line starting with ``$ `` is a command and the lines after it, up to the next command
or the end of the block, are what it prints: its standard output, then its standard error. A command
is a ``dosecalc ...`` line, optionally fed from ``printf '...' |`` (the printf text is its standard input);
``$ echo $?`` prints the exit code of the command before it. A command not followed by ``echo $?`` must
exit with code 0.
"""

from __future__ import annotations

import doctest
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import run

README = Path(__file__).resolve().parent.parent / "README.md"

#: A fenced block of the README: its language and the text between the fences.
FENCE = re.compile(r"^```(?P<lang>[\w-]*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Example:
    """One command of a ```console block and what the README says it prints."""

    line: int  # the README line of the command, for failure messages
    command: str  # the text after '$ '
    argv: tuple[str, ...]  # the arguments after 'dosecalc'
    stdin: str | None  # the printf text piped into it, if any
    output: str  # what it prints, stdout then stderr
    exit_code: int  # from a following 'echo $?'; 0 when there is none


def _blocks(lang: str) -> list[tuple[int, str]]:
    """The README's fenced blocks of ``lang``: (line number of the first line inside, text)."""
    text = README.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start("body")) + 1, match.group("body"))
        for match in FENCE.finditer(text)
        if match.group("lang") == lang
    ]


def _printf(text: str) -> str:
    """What ``printf 'text'`` writes, for the escapes the README uses."""
    assert "%" not in text, f"printf format with '%' is not handled: {text!r}"
    return text.replace("\\n", "\n")


def _command(command: str) -> tuple[tuple[str, ...], str | None]:
    """The dosecalc arguments of a command line and the stdin piped into it."""
    words = shlex.split(command)
    stdin = None
    if "|" in words:
        bar = words.index("|")
        source, words = words[:bar], words[bar + 1 :]
        assert len(source) == 2 and source[0] == "printf", f"only printf '...' | is supported: {command!r}"
        stdin = _printf(source[1])
    assert words and words[0] == "dosecalc", f"a README console command must run dosecalc: {command!r}"
    return tuple(words[1:]), stdin


def console_examples() -> list[Example]:
    """Every command of every ```console block, with its output and exit code."""
    examples: list[Example] = []
    for first_line, body in _blocks("console"):
        # Commands of this block: [line, command, output lines]
        commands: list[tuple[int, str, list[str]]] = []
        for offset, line in enumerate(body.splitlines()):
            if line.startswith("$ "):
                commands.append((first_line + offset, line[2:], []))
            else:
                assert commands, f"README.md:{first_line + offset}: output before any '$ ' command"
                commands[-1][2].append(line)
        for index, (line, command, output) in enumerate(commands):
            if command == "echo $?":
                continue
            follower = commands[index + 1] if index + 1 < len(commands) else None
            exit_code = 0
            if follower is not None and follower[1] == "echo $?":
                assert len(follower[2]) == 1, f"README.md:{follower[0]}: 'echo $?' prints one line"
                exit_code = int(follower[2][0])
            argv, stdin = _command(command)
            text = "".join(f"{out}\n" for out in output)
            examples.append(Example(line, command, argv, stdin, text, exit_code))
    return examples


EXAMPLES = console_examples()


def test_readme_has_console_examples() -> None:
    assert len(EXAMPLES) >= 4
    assert all(example.output for example in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.command for example in EXAMPLES])
def test_console_example_prints_what_the_readme_shows(example: Example) -> None:
    result = run(*example.argv, stdin=example.stdin)
    where = f"README.md:{example.line}: $ {example.command}"
    assert result.stdout + result.stderr == example.output, f"{where}\n{result.output}"
    assert result.exit_code == example.exit_code, f"{where}\n{result.output}"


def test_python_examples_run_as_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ```pycon blocks, in order, as one session (a notebook): each later block may use the names of an
    earlier one."""
    pandas = pytest.importorskip("pandas", reason="the README's Python examples use the pandas extra")
    pint_pandas = pytest.importorskip("pint_pandas", reason="the README's Python examples use pint-pandas")
    # The README points pint-pandas at dosecalc's registry; put back what other tests see afterwards.
    monkeypatch.setattr(pint_pandas.PintType, "ureg", pint_pandas.PintType.ureg)
    # pandas fits a frame to the terminal's width; show it as a notebook does, whatever the terminal.
    display = pandas.option_context("display.max_columns", 20, "display.width", 80)

    blocks = _blocks("pycon")
    assert blocks, "README.md has no ```pycon block"
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    session: dict[str, object] = {"__name__": "readme"}
    with display:
        for line, body in blocks:
            test = parser.get_doctest(body, session, f"README.md pycon block at line {line}", str(README), line - 1)
            assert test.examples, f"README.md:{line}: a ```pycon block without '>>>' examples"
            runner.run(test, out=report.append, clear_globs=False)
            session = test.globs  # a DocTest works on a copy of the names it is given
    assert runner.failures == 0, "".join(report)
    assert runner.tries >= 10
