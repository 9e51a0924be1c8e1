"""The page templates: one jinja2 environment that escapes everything it is given (card and user text can
never become live markup), loading from ``templates/`` beside this file."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: The pages in the navigation bar: (path, label).
NAVIGATION = (
    ("/", "Calculator"),
    ("/schedule", "Schedule"),
    ("/simulate", "Simulation"),
    ("/cards", "Cards"),
    ("/practice", "Practice"),
    ("/teacher", "Teacher"),
)


@cache
def _environment() -> Any:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.globals["navigation"] = NAVIGATION
    return environment


def render(name: str, **context: Any) -> str:
    """The template ``name`` filled with ``context`` (every value escaped)."""
    return str(_environment().get_template(name).render(**context))
