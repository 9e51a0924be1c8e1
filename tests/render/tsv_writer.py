"""A format that dosecalc does not ship, written here to show what a new format takes: this writer, and one
row in the table of formats (see test_formats.py). It draws the format-neutral rows of dosecalc.render.rows,
as every writer for people does, and borrows nothing from another writer."""

from __future__ import annotations

from dosecalc.columns import DOSE_COLUMNS
from dosecalc.render.rows import dose_cells, dose_headers, present
from dosecalc.results import DoseTable
from dosecalc.wording import DISCLAIMER


def dose_tsv(result: DoseTable) -> str:
    lines = [DISCLAIMER]
    for _patient, rows in result.groups:
        columns = present(DOSE_COLUMNS, rows)
        lines.append("\t".join(dose_headers(columns)))
        lines += ["\t".join(dose_cells(row, columns)) for row in rows]
    return "\n".join(lines) + "\n"
