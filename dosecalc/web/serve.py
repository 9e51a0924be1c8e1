"""``dosecalc serve``: check what was asked, say where the server is, and run it under uvicorn.

Loopback (127.0.0.1) by default, so only this computer can reach it; any other address is said in one line,
since then every device on the network can. The folder of cards and the teacher's key file are checked
before the server starts, so a broken card or key stops it with the command line's usual message. With a key,
the login code of the teacher's pages is printed here, on the terminal of whoever started the server.

Stopped by SIGTERM (or Ctrl+C), the server stops taking requests and waits at most
:data:`SHUTDOWN_SECONDS` for those under way before it closes them.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from ..errors import DoseCalcError

#: Most worker processes (the app holds no state, so each is independent).
MAX_WORKERS = 32
#: Longest wait, in seconds, for requests under way once the server is asked to stop.
SHUTDOWN_SECONDS = 5


def url(host: str, port: int) -> str:
    """The address a browser opens: IPv6 in brackets; the machine's name for a wildcard address."""
    shown = socket.gethostname() if host in ("0.0.0.0", "::") else host
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def _check_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        raise DoseCalcError(f"cannot listen on {host} port {port} ({error.strerror})", field="port") from None


def run(host: str, port: int, regimens_dir: Path | None, workers: int, teacher_key: Path | None = None) -> None:
    """Serve the web app until interrupted."""
    from ..extras import require

    require("web")
    if not 1 <= port <= 65535:
        raise DoseCalcError(f"{port} is not a port number from 1 to 65535", field="port")
    if not 1 <= workers <= MAX_WORKERS:
        raise DoseCalcError(f"{workers} is not a whole number from 1 to {MAX_WORKERS}", field="workers")
    if len(host) > 255 or not host.strip():
        raise DoseCalcError("expected an address such as 127.0.0.1", field="host")
    from .. import api
    from .access import START_ENV, is_loopback, login_code, new_start
    from .app import HOST_ENV, REGIMENS_ENV, TEACHER_KEY_ENV

    api.cards(regimens_dir)  # a broken card stops the server before it starts
    key = None if teacher_key is None else api.teacher_key(teacher_key)  # so does a bad key file
    _check_free(host, port)
    import uvicorn

    if regimens_dir is not None:
        os.environ[REGIMENS_ENV] = str(regimens_dir.resolve())
    else:
        os.environ.pop(REGIMENS_ENV, None)
    if teacher_key is not None:
        os.environ[TEACHER_KEY_ENV] = str(teacher_key.resolve())  # the path: the secret stays in the file
    else:
        os.environ.pop(TEACHER_KEY_ENV, None)
    os.environ[HOST_ENV] = host
    os.environ[START_ENV] = new_start()  # one value for every worker: a restart ends every teacher's session
    print(f"dosecalc is serving {url(host, port)} (press Ctrl+C to stop)", file=sys.stderr, flush=True)
    if not is_loopback(host):
        print(
            f"note: listening on {host}: every device that can reach this computer on the network can open it",
            file=sys.stderr,
            flush=True,
        )
    if key is not None:
        print(
            f"teacher's pages: log in at {url(host, port)}teacher/login with the code {login_code(key)} "
            f"(teacher key {key.fingerprint:04X}; sheets made there are graded)",
            file=sys.stderr,
            flush=True,
        )
    elif not is_loopback(host):
        print(
            "note: the teacher's pages are closed on a network address without --teacher-key FILE",
            file=sys.stderr,
            flush=True,
        )
    uvicorn.run(
        "dosecalc.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,
    )
