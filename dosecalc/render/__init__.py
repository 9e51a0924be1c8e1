"""Rendering: results to text in each format.

Each format family lives in its own module: :mod:`.text` for terminal tables, plain text and Markdown,
:mod:`.data` for CSV and JSON, :mod:`.html` for HTML; for charts :mod:`.charts` (matplotlib, the ``plot``
command) and :mod:`.svg` (dosecalc's own SVG writer, drawing the handout's and the web page's :mod:`.figures`),
:mod:`.lms` for learning platforms; :mod:`.rows` holds the format-neutral rows (headers and rounded cells)
that the writers for people draw. Which writer serves which result and format is the table of
:mod:`dosecalc.formats`, which imports a writer's module only when its format is asked for. Rounding and words
for people live below, in :mod:`dosecalc.wording`.
"""
