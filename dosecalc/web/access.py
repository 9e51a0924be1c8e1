"""Who may open the teacher's pages: the teacher, once logged in, when the server has a teacher's key.

- With a key (``dosecalc serve --teacher-key FILE``), ``serve`` prints a **login code** on its terminal: 16
  Crockford base32 characters (80 bits) derived from the key's secret. The teacher types it at
  ``/teacher/login`` (a POST, so it is never in an address); the answer sets a cookie holding a **session
  token** (HttpOnly, SameSite=Strict, Path=/teacher): the time it was issued and a value derived from the
  secret, that time and this start of the server. Both are compared with :func:`hmac.compare_digest`. Neither
  can be turned back into the secret, and a student's sheet code gives neither.
- A session lasts :data:`SESSION_SECONDS` (12 hours) from the login, and no longer than the server runs: each
  start of ``dosecalc serve`` draws a new random :data:`START_ENV` value, so a token from an earlier start is
  refused. Either way the teacher's pages answer with the login form again.
- Without a key, on a loopback address (only this computer reaches the server), the pages stay open: the
  sheets they make are for practice. Without a key on any other address they are refused entirely, since
  anyone on the network could make answer keys there.

The token is the same for every worker of one start (they share :data:`START_ENV`); a new key (``dosecalc key
new --force``) also ends every session. The login code itself stays the same for a key. The cookie has no
``Secure`` flag, since the server speaks plain HTTP: on a network, the login code and the cookie travel as
clearly as the pages do.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import Request

from ..errors import DoseCalcError, quote
from ..teaching.keys import TeacherKey
from ..teaching.sheets import CROCKFORD as _BASE32  # the sheet code's Crockford base32
from ..teaching.sheets import CROCKFORD_READ as _READ

if TYPE_CHECKING:
    from ..results import Sheet

#: The cookie that holds the teacher's session token.
COOKIE = "dosecalc_teacher"
#: Where the cookie is sent: the teacher's pages only.
COOKIE_PATH = "/teacher"
#: How long a teacher's login lasts, in seconds: 12 hours, a school day and its evening; then the login again.
SESSION_SECONDS = 12 * 60 * 60
#: The environment variable that carries this start of the server (a random value ``serve`` draws) to each
#: worker process, so that every worker takes the same tokens and a restart ends every session.
START_ENV = "DOSECALC_WEB_START"
#: The clock sessions are timed by (seconds since the epoch); tests replace it.
clock: Callable[[], float] = time.time


def new_start() -> str:
    """A random value naming one start of the server: 128 bits as hex."""
    return secrets.token_hex(16)


def this_start() -> str:
    """The start named by :data:`START_ENV` (set by ``serve`` for its workers), or a new one."""
    return os.environ.get(START_ENV) or new_start()


def _bits(key: TeacherKey, label: str, count: int) -> int:
    """``count`` bits derived from the key's secret for ``label`` (63 bits an HMAC, as many as needed)."""
    value, have, part = 0, 0, 0
    while have < count:
        part += 1
        value = (value << 63) | key.derive("dosecalc web", label, part)
        have += 63
    return value >> (have - count)


def login_code(key: TeacherKey) -> str:
    """The code the teacher types to log in: 80 bits as four groups of four base32 characters."""
    value = _bits(key, "login code", 80)
    text = "".join(_BASE32[(value >> shift) & 31] for shift in range(75, -1, -5))
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def session_token(key: TeacherKey, start: str, issued: int) -> str:
    """The cookie's value for a login at ``issued`` (whole seconds since the epoch) during the server's ``start``:
    the time, a dot, and 252 bits derived from the secret, the start and the time, as hex."""
    return f"{issued}.{_bits(key, f'session token {start} {issued}', 252):063x}"


def new_session(key: TeacherKey, start: str) -> str:
    """The cookie's value for a login now."""
    return session_token(key, start, int(clock()))


def code_matches(key: TeacherKey, typed: str) -> bool:
    """Whether ``typed`` is the login code, read as typed by a person: case, spaces and dashes ignored, and
    I, L, O read as 1, 1, 0."""
    cleaned = "".join(ch for ch in typed.upper() if ch not in " -\t")
    if len(cleaned) != 16 or any(ch not in _READ for ch in cleaned):
        return False
    normal = "".join(_BASE32[_READ[ch]] for ch in cleaned)
    return hmac.compare_digest(normal, login_code(key).replace("-", ""))


def token_valid(key: TeacherKey, start: str, held: str) -> bool:
    """Whether ``held`` is a session token of this start of the server, issued less than
    :data:`SESSION_SECONDS` ago (and not in the future)."""
    issued_text, dot, _ = held.partition(".")
    if not dot or not issued_text.isascii() or not issued_text.isdigit() or len(issued_text) > 12:
        return False
    issued = int(issued_text)
    if not 0 <= clock() - issued < SESSION_SECONDS:
        return False
    expected = session_token(key, start, issued)
    return hmac.compare_digest(held.encode("ascii", "replace"), expected.encode("ascii"))


def logged_in(request: Request, key: TeacherKey) -> bool:
    """Whether the request carries the teacher's session cookie, still valid."""
    start: str = request.app.state.start
    return token_valid(key, start, request.cookies.get(COOKIE, ""))


def teacher_request(request: Request) -> bool:
    """Whether the request comes with the teacher's login on a server with a key. Browsers send the cookie to
    the teacher's pages only (Path=/teacher); a script may send it elsewhere."""
    key: TeacherKey | None = request.app.state.teacher_key
    return key is not None and logged_in(request, key)


class TeacherOnly(Exception):
    """The teacher's pages refused: ``status`` 401 (log in first; ``ended`` when a session cookie was sent but
    has ended or is not this start's) or 403 (the server has no key and others can reach it)."""

    def __init__(self, status: int, *, ended: bool = False) -> None:
        super().__init__(status)
        self.status = status
        self.ended = ended


async def teacher_only(request: Request) -> TeacherKey | None:
    """A dependency of every teacher's page: the server's key (None on an open loopback server), or
    :class:`TeacherOnly` when the request may not see the page."""
    key: TeacherKey | None = request.app.state.teacher_key
    if key is None:
        if not request.app.state.loopback:
            raise TeacherOnly(403)
        return None
    if not logged_in(request, key):
        raise TeacherOnly(401, ended=bool(request.cookies.get(COOKIE)))
    return key


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sheet_named(code: str, folder: Path | None, key: TeacherKey | None) -> Sheet:
    """The sheet a code names, with its problems, read as marking reads it (no answers marked): a typo, another
    version, other cards, a graded sheet on a server without its key, each refused with its own message. The
    practice page and /api/mark read it first, so that a graded sheet is refused before any answer is marked."""
    from .. import api
    from ..results import Marks

    marked = api.mark({}, sheet=code, regimens_dir=folder, teacher_key=key)
    assert isinstance(marked, Marks)  # answers given as a mapping are one student's
    return marked.sheet


def graded_here(code: str) -> DoseCalcError:
    """The refusal to mark a graded sheet on the practice page or the public API: the teacher marks it (with the
    key, as ``dosecalc check --teacher-key`` does), so that no student can find its key by checking again."""
    return DoseCalcError(
        f"sheet {quote(code)} is a graded sheet, marked by your teacher and not on this site: hand your answers "
        "in to your teacher as they ask (the practice page shows its problems only)",
        field="sheet",
    )
