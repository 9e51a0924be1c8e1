"""Who may open the teacher's pages: the teacher, once logged in, when the server has a teacher's key.

- With a key (``dosecalc serve --teacher-key FILE``), ``serve`` prints a **login code** on its terminal: 16
  Crockford base32 characters (80 bits) derived from the key's secret. The teacher types it at
  ``/teacher/login`` (a POST, so it is never in an address); the answer sets a cookie holding a **session
  token**, another value derived from the secret (HttpOnly, SameSite=Strict, Path=/teacher). Both are
  compared with :func:`hmac.compare_digest`. Neither can be turned back into the secret, and a student's sheet
  code gives neither.
- Without a key, on a loopback address (only this computer reaches the server), the pages stay open: the
  sheets they make are for practice. Without a key on any other address they are refused entirely, since
  anyone on the network could make answer keys there.

The token is the same for every worker and every start of the server with the same key; a new key (``dosecalc
key new --force``) ends every session. The cookie has no ``Secure`` flag, since the server speaks plain HTTP:
on a network, the login code and the cookie travel as clearly as the pages do.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Request

from ..teaching.keys import TeacherKey
from ..teaching.sheets import CROCKFORD as _BASE32  # the sheet code's Crockford base32
from ..teaching.sheets import CROCKFORD_READ as _READ

#: The cookie that holds the teacher's session token.
COOKIE = "dosecalc_teacher"
#: Where the cookie is sent: the teacher's pages only.
COOKIE_PATH = "/teacher"


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


def session_token(key: TeacherKey) -> str:
    """The cookie's value once logged in: 252 bits as hex."""
    return f"{_bits(key, 'session token', 252):063x}"


def code_matches(key: TeacherKey, typed: str) -> bool:
    """Whether ``typed`` is the login code, read as typed by a person: case, spaces and dashes ignored, and
    I, L, O read as 1, 1, 0."""
    cleaned = "".join(ch for ch in typed.upper() if ch not in " -\t")
    if len(cleaned) != 16 or any(ch not in _READ for ch in cleaned):
        return False
    normal = "".join(_BASE32[_READ[ch]] for ch in cleaned)
    return hmac.compare_digest(normal, login_code(key).replace("-", ""))


def logged_in(request: Request, key: TeacherKey) -> bool:
    """Whether the request carries the teacher's session cookie."""
    held = request.cookies.get(COOKIE, "")
    return hmac.compare_digest(held.encode("ascii", "replace"), session_token(key).encode("ascii"))


class TeacherOnly(Exception):
    """The teacher's pages refused: ``status`` 401 (log in first) or 403 (the server has no key and others can
    reach it)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


async def teacher_only(request: Request) -> TeacherKey | None:
    """A dependency of every teacher's page: the server's key (None on an open loopback server), or
    :class:`TeacherOnly` when the request may not see the page."""
    key: TeacherKey | None = request.app.state.teacher_key
    if key is None:
        if not request.app.state.loopback:
            raise TeacherOnly(403)
        return None
    if not logged_in(request, key):
        raise TeacherOnly(401)
    return key


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
