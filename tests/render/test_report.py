"""The HTML handout: its numbers equal the JSON output, it is self-contained, and it renders in Chromium."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dosecalc import DISCLAIMER
from dosecalc.units import Q_
from dosecalc.wording import numbers

from ..helpers import browser as _browser
from ..helpers import chromium_or_skip, run

pytest.importorskip("jinja2")
ARGS = ["--weight", "154 lb", "--concentration", "100 mg in 50 mL"]


class Handout(HTMLParser):
    """Collects the dose table's cells, every src/href, and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[list[str]] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self._table = False
        self._cell: list[str] | None = None
        self.svgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") or name.endswith(":href"):
                self.links.append(value or "")
        if tag == "table" and ("id", "dose-table") in attrs:
            self._table = True
        elif self._table and tag == "tr":
            self.cells.append([])
        elif self._table and tag == "td":
            self._cell = []
        elif tag == "svg":
            self.svgs += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = False
        elif tag == "td" and self._cell is not None:
            self.cells[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def make(tmp_path: Path, *extra: str) -> tuple[Path, Handout]:
    target = tmp_path / "handout.html"
    result = run("report", *ARGS, *extra, "--output", str(target))
    assert result.exit_code == 0, result.output
    parser = Handout()
    parser.feed(target.read_text(encoding="utf-8"))
    return target, parser


def test_every_table_value_equals_the_json_output(tmp_path: Path) -> None:
    _, page = make(tmp_path)
    doc = run("table", *ARGS, "--format", "json").json()
    rows = [cells for cells in page.cells if cells]
    assert [cells[0] for cells in rows] == [row["regimen"] for row in doc["rows"]]
    keys = [
        "rate",
        "rate_per_kg",
        "duration",
        "total_dose",
        "total_dose_per_kg",
        "course_total_dose",
        "concentration",
        "pump_rate",
        "volume",
    ]
    for cells, row in zip(rows, doc["rows"], strict=True):
        for key, cell in zip(keys, cells[1:], strict=True):
            shown = re.sub(r" \((cap|\d+ x)\)$", "", cell)
            value = Q_(row[key]["value"], row[key]["unit"])
            assert shown == numbers.magnitude(value, row[key]["unit"]), (row["regimen"], key)


def test_handout_is_self_contained_and_carries_the_disclaimer(tmp_path: Path) -> None:
    target, page = make(tmp_path, "--model", "domino", "--explain")
    html = target.read_text(encoding="utf-8")
    assert all(link.startswith("#") for link in page.links), [link for link in page.links if not link.startswith("#")]
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", html, re.IGNORECASE)
    text = " ".join(page.text)
    assert text.count(DISCLAIMER) >= 2
    assert page.svgs == 3  # rate by weight, cumulative dose, plasma concentration
    assert "Worked steps" in text and "154 lb × 0.45359237 kg/lb = 69.853 kg, rounded 69.9 kg" in text
    assert "Schwartzman" in text and "Sources differ" in text


def test_report_needs_an_html_name(tmp_path: Path) -> None:
    result = run("report", "--output", str(tmp_path / "handout.pdf"))
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_handout_renders_in_a_real_browser(tmp_path: Path) -> None:
    binary = chromium_or_skip()
    matplotlib_image = pytest.importorskip("matplotlib.image")  # to read the screenshot back

    full, _ = make(tmp_path)
    one = tmp_path / "one.html"
    assert run("report", *ARGS, "--regimen", "rate-22-mg-h", "--output", str(one)).exit_code == 0
    png = tmp_path / "page.png"
    _browser(binary, tmp_path / "profile", "--window-size=1100,1500", f"--screenshot={png}", full.as_uri())
    pixels = matplotlib_image.imread(png)
    assert pixels.shape[0] >= 1000 and pixels.std() > 0.05  # not a blank page
    pages = {}
    for source in (full, one):
        pdf = tmp_path / f"{source.stem}.pdf"
        _browser(binary, tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", source.as_uri())
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages[source.stem] = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert DISCLAIMER in " ".join(text.split())
        assert "69.9 kg" in text and "22" in text
    # four regimens with charts, schedules and cards fill several pages; one regimen fewer
    assert 3 <= pages["handout"] <= 14
    assert pages["one"] < pages["handout"]
    text = subprocess.run(["pdftotext", str(tmp_path / "handout.pdf"), "-"], capture_output=True, text=True).stdout
    for figure in ("24.4", "977.9", "12.2", "48.9"):  # rate, course, pump rate, volume of rate-0.35-mg-kg-h
        assert figure in text


def test_without_the_extras_the_handout_names_everything_missing_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "jinja2", None)
    result = run("report", "--output", str(tmp_path / "h.html"))
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "error: the handout needs jinja2: install the report extra "
        "(in dosecalc's source folder: pip install '.[report]')"
    ]
    assert not (tmp_path / "h.html").exists()


def test_the_handout_marks_the_patient_on_the_rate_chart(tmp_path: Path) -> None:
    target = tmp_path / "h.html"
    assert run("report", "--weight", "154 lb", "--output", str(target)).exit_code == 0
    assert 'id="rate-patient"' in target.read_text(encoding="utf-8")


def test_a_handout_of_every_card_charts_those_the_model_applies_to_and_names_the_others(tmp_path: Path) -> None:
    # the 4-day card names S(+)-ketamine, which the racemic model does not describe: left off the chart, and said
    _, page = make(tmp_path, "--model", "domino")
    text = " ".join(" ".join(page.text).split())
    assert "Not simulated: rate-22-mg-h-4-days doses S(+)-ketamine" in text
    assert "bolus-0.5-mg-kg-then-10-mcg-kg-min: its bolus, given at once on the card, is simulated over 1 min." in text
    assert page.svgs == 3
    # a handout whose only card the model cannot describe is refused, as simulate refuses it
    refused = run(
        "report", *ARGS, "--regimen", "rate-22-mg-h-4-days", "--model", "domino", "-o", str(tmp_path / "x.html")
    )
    assert refused.exit_code == 2 and "S(+)-ketamine" in refused.stderr, refused.output
    assert not (tmp_path / "x.html").exists()
