"""What a notebook holds, read the way dosecalc reads files: pandas DataFrames and Series, numpy arrays.

A DataFrame becomes the rows of a CSV file (its column names the header, each cell the text a spreadsheet
would have written), so a table of patients or of answers is read by the same reader, with the same checks
and messages, as the file it could have been saved as. A Series or an array of weights becomes a list.

pandas is never imported here: a value is known to be pandas' or numpy's by its type's module, so dosecalc
works without pandas and ``import dosecalc`` stays cheap.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import Any

from .errors import DoseCalcError

#: The names pandas gives its missing values' types.
_MISSING = frozenset({"NAType", "NaTType"})


def library(value: Any) -> str:
    """The top-level package of ``value``'s type: ``pandas``, ``numpy``, ``builtins``..."""
    return type(value).__module__.split(".")[0]


def is_frame(value: Any) -> bool:
    """A pandas DataFrame."""
    return library(value) == "pandas" and type(value).__name__ == "DataFrame"


def is_series(value: Any) -> bool:
    """A pandas Series."""
    return library(value) == "pandas" and type(value).__name__ == "Series"


def is_array(value: Any) -> bool:
    """A numpy array (of any number of dimensions)."""
    return library(value) == "numpy" and type(value).__name__ == "ndarray"


def is_missing(value: Any) -> bool:
    """None, NaN, or pandas' NA and NaT: a cell left empty."""
    if value is None or type(value).__name__ in _MISSING:
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral) and math.isnan(float(value))


def cell_text(value: Any) -> str:
    """A cell as the text a CSV file would hold: empty for a missing value, a whole number without a point
    (``1.0`` as ``1``, as a spreadsheet saves it), any other number at full precision, a quantity as its exact
    value and unit."""
    import pint

    if is_missing(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or (library(value) == "numpy" and type(value).__name__ in ("bool", "bool_")):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):  # 1.0 in a column pandas made float by a blank is the 1 written
        number = float(value)
        return str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)
    if isinstance(value, pint.Quantity) and isinstance(value.magnitude, numbers.Real):
        return f"{float(value.magnitude)!r} {value.units:~}".replace(" / ", "/")
    return str(value)


def frame_rows(frame: Any, field: str) -> list[list[str]]:
    """A DataFrame as the rows of a CSV file: the header (a named index first, as ``reset_index()`` gives
    it: ``df.set_index("id")`` keeps its ids), then each row's cells as text."""
    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    columns = list(frame.columns)
    if any(isinstance(name, tuple) for name in columns):
        raise DoseCalcError(
            "is a DataFrame with two-level columns; give it one level of names "
            "(to_dataframe(units='suffix') writes them so)",
            field=field,
        )
    header = [cell_text(name) for name in columns]
    return [header, *([cell_text(cell) for cell in row] for row in frame.itertuples(index=False, name=None))]


def frame_lines(rows: list[list[str]]) -> Iterator[str]:
    """Rows as lines of CSV text, one at a time."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def listed(value: Any, field: str, unit: str) -> Any:
    """A Series or a one-dimensional numpy array of texts or quantities as a list; a Series of pint-pandas
    quantities as one array quantity; anything else as it is. Plain numbers are refused: a number has no unit,
    and the message gives the way to pass one (``Q_(values, "kg")``)."""
    if not (is_series(value) or is_array(value)):
        return value
    kind = "a pandas Series" if is_series(value) else "a numpy array"
    if is_series(value) and str(value.dtype).startswith("pint["):
        return value.pint.quantity
    if value.ndim != 1:
        raise DoseCalcError(f"is {kind} of {value.ndim} dimensions; give one value a patient", field=field)
    if value.dtype.kind in "iufb":
        numbers_of = "series.to_numpy()" if is_series(value) else "array"
        raise DoseCalcError(
            f"is {kind} of plain numbers, which have no unit; give dosecalc.Q_({numbers_of}, {unit!r}), "
            f"or texts such as '70 {unit}'",
            field=field,
        )
    return [None if is_missing(item) else item for item in value.tolist()]
