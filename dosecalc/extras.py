"""Optional parts: which packages each extra brings, and one refusal that names everything missing at once."""

from __future__ import annotations

from importlib.util import find_spec

from .errors import DoseCalcError

#: Each extra of the package and the modules it installs (pyproject.toml's optional dependencies).
EXTRAS = {
    "plot": ("matplotlib",),
    "report": ("jinja2",),
    "pandas": ("pandas",),
    "web": ("fastapi", "uvicorn", "jinja2"),
}

#: What each extra is for, in the refusal.
_PURPOSE = {
    "plot": "charts need",
    "report": "the handout needs",
    "pandas": "DataFrames need",
    "web": "the web app needs",
}


def install_hint(extra: str) -> str:
    """The command that installs ``extra``, as the README gives it (dosecalc is installed from its folder)."""
    return f"pip install '.[{extra}]'"


def require(extra: str) -> None:
    """Refuse, naming every missing module and the one install command, unless ``extra`` is installed."""
    missing = [module for module in EXTRAS[extra] if find_spec(module) is None]
    if missing:
        raise DoseCalcError(
            f"{_PURPOSE[extra]} {' and '.join(missing)}: install the {extra} extra "
            f"(in dosecalc's source folder: {install_hint(extra)})"
        )
