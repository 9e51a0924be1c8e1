"""A teacher's key: the secret that makes graded sheets, and the seeds a sheet's problems are drawn from.

A key file (``dosecalc key new --output FILE``) holds 32 random bytes from :mod:`secrets`, written as 64 hex
digits on one line after a comment, with mode 0600. A graded sheet's code holds, in place of its seed, an
identifier: 40 bits of HMAC-SHA256 under the secret of the seed and what the sheet is made from. Its kinds
and numbers are drawn from seeds that are themselves HMACs of the identifier under the secret. Without the
secret, a code gives neither the seed nor the key, and the problems cannot be made again; with it, ``check``
and :func:`dosecalc.mark` make them again from the code alone. The code also holds 16 bits of the key's own
fingerprint, so a sheet marked with the wrong key is refused as such rather than marked against other
problems.

Threat model, in short: a student holding a graded code cannot get its key from dosecalc; whoever holds the
key file can make and mark every graded sheet made with it, so it stays on the teacher's machine and is
never given on a command line or in an address.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DoseCalcError

if TYPE_CHECKING:
    from .sheets import SheetSpec

#: The first word of a key's line: names the format of the file.
MAGIC = "dosecalc-teacher-key-1"
#: The environment variable naming the key file, when ``--teacher-key`` is not given.
ENVIRONMENT = "DOSECALC_TEACHER_KEY"
_SECRET_BYTES = 32
_MAX_FILE = 4096
_LINE = re.compile(rf"{MAGIC} ([0-9a-f]{{{2 * _SECRET_BYTES}}})")
_HEADER = (
    "# dosecalc teacher key: keep this file secret and on your own machine. Whoever has it can make and mark\n"
    "# every graded sheet made with it, answer keys included. Made by 'dosecalc key new'.\n"
)


class TeacherKey:
    """A teacher's secret, loaded from a key file. Its ``repr`` and ``str`` show the fingerprint only."""

    __slots__ = ("_secret", "source")

    def __init__(self, secret: bytes, source: str = "") -> None:
        if len(secret) != _SECRET_BYTES:
            raise ValueError(f"a teacher key is {_SECRET_BYTES} bytes")
        self._secret = secret
        self.source = source

    def _mac(self, text: str) -> bytes:
        return hmac.new(self._secret, text.encode("utf-8"), hashlib.sha256).digest()

    @property
    def fingerprint(self) -> int:
        """16 bits that tell this key from another, carried in each graded code; they give nothing of the key."""
        return int.from_bytes(self._mac("dosecalc key fingerprint")[:2], "big")

    def ident(self, seed: int, spec: SheetSpec) -> int:
        """A graded sheet's (or set's) identifier: 40 bits of HMAC(secret, seed and what the sheet is made of:
        level, conventions, cards, and whether it is a variant of a set of N or a student's)."""
        return int.from_bytes(self._mac(f"dosecalc sheet\x00{seed}\x00{made_of(spec)!r}")[:5], "big")

    def student(self, ident: int, name: str) -> int:
        """A student's part of a graded class's code: 32 bits, from which the name cannot be read back."""
        return int.from_bytes(self._mac(f"dosecalc student\x00{ident}\x00{name}")[:4], "big")

    def derive(self, *parts: object) -> int:
        """A seed (63 bits) derived from ``parts`` under the secret."""
        text = "dosecalc seed\x00" + "\x00".join(map(str, parts))
        return int.from_bytes(self._mac(text)[:8], "big") >> 1

    def __repr__(self) -> str:
        return f"<TeacherKey fingerprint {self.fingerprint:04X}>"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TeacherKey) and hmac.compare_digest(self._secret, other._secret)

    def __hash__(self) -> int:
        return self.fingerprint

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a teacher key is not pickled")


def key_text(secret: bytes) -> str:
    """A key file's text for ``secret``."""
    return f"{_HEADER}{MAGIC} {secret.hex()}\n"


def new_key() -> tuple[TeacherKey, str]:
    """A new random key and its file's text."""
    secret = secrets.token_bytes(_SECRET_BYTES)
    return TeacherKey(secret), key_text(secret)


def parse_key(text: str, where: str, field: str = "teacher_key") -> TeacherKey:
    """The key in a key file's text: one line ``dosecalc-teacher-key-1`` and 64 hex digits, comments
    (``#``) and blank lines around it."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    expected = f"one line '{MAGIC}' and {2 * _SECRET_BYTES} hex digits, as 'dosecalc key new' writes"
    if len(lines) != 1:
        raise DoseCalcError(f"{where}: not a teacher key file: expected {expected}", field=field)
    match = _LINE.fullmatch(lines[0])
    if match is None:
        raise DoseCalcError(f"{where}: not a teacher key file: expected {expected}", field=field)
    return TeacherKey(bytes.fromhex(match.group(1)), where)


def load_key(path: str | Path, field: str = "teacher_key") -> TeacherKey:
    """The key in the key file at ``path``: a regular file, strict UTF-8, at most 4 KiB."""
    from ..files import path_text, read_text

    if str(path) == "-":
        raise DoseCalcError("give the key file's name, not standard input", field=field)
    text = read_text(path, field, _MAX_FILE, kind="key file", regular=True)
    return parse_key(text, path_text(path), field)


def seeds(spec: SheetSpec, key: TeacherKey | None) -> tuple[int, list[int]]:
    """The seed that deals a sheet's kinds, and the seeds of the numbers of every sheet of its set (only its
    own for a sheet on its own or a student's), for the spec a code gives.

    * open, on its own: the seed does both (as in format 5);
    * open, a variant of N: the set's seed deals, variant j's numbers from its own seed (``variant_seed``);
    * open, a student's: the class's seed deals, the student's numbers from the seed in the code;
    * graded: the same, each seed an HMAC of the identifier under the secret.
    """
    from .sheets import variant_seed

    if spec.ident is None:
        if spec.variants:
            return spec.seed, [variant_seed(spec.seed, n) for n in range(1, spec.variants + 1)]
        if spec.student is not None:
            return spec.seed, [spec.student]
        return spec.seed, [spec.seed]
    if key is None:
        raise ValueError("a graded sheet is made only with its teacher's key")
    # Everything else the code holds goes into the seeds too: its bits are not secret (a public check guards
    # them), so a code edited to other rules (a level, units that convert, partial credit, fewer problems)
    # makes other problems, never the teacher's problems under rules the student chose.
    held = (spec.ident, spec.size, made_of(spec))
    deal = key.derive("deal", *held)
    if spec.variants:
        return deal, [key.derive("variant", *held, n) for n in range(1, spec.variants + 1)]
    if spec.student is not None:
        return deal, [key.derive("student", *held, spec.student)]
    own = key.derive("sheet", *held)
    return own, [own]


def made_of(spec: SheetSpec) -> tuple[object, ...]:
    """What a graded sheet is made of besides its seed: level, conventions, cards, and whether it is a variant
    of a set of N or a student's."""
    return (spec.level, spec.convention.identity, spec.fingerprint, spec.group, spec.variants)
