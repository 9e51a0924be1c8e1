"""Load on a local ``dosecalc serve``: requests per second, latency and the server's memory, for
``benchmarks/bench.py web``. Traffic goes to 127.0.0.1 only, bounded in count and time.

The clients are asyncio connections speaking HTTP/1.1 with keep-alive over raw streams, so that the
clients' own cost (they share the machine with the server) stays small beside the server's.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

#: Longest a whole phase may take before it is stopped (a bound, not a target).
PHASE_LIMIT_S = 300.0


@dataclass
class Phase:
    path: str
    requests: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` now, in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def _client(port: int, path: str, count: int, phase: Phase) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    try:
        for _ in range(count):
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            phase.latencies.append(time.perf_counter() - start)
            if status != 200:
                phase.errors += 1
    finally:
        writer.close()


async def _phase(port: int, path: str, total: int, clients: int) -> Phase:
    phase = Phase(path, total)
    shares = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    start = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(*(_client(port, path, share, phase) for share in shares)), timeout=PHASE_LIMIT_S
    )
    phase.seconds = time.perf_counter() - start
    return phase


def run_phase(port: int, path: str, total: int, clients: int) -> Phase:
    return asyncio.run(_phase(port, path, total, clients))


def start_server(command: list[str], cwd: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [*command, "serve", "--port", str(port)], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process, port
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                sys.exit("dosecalc serve did not start (is the web extra installed?)")
            time.sleep(0.2)


def report(phase: Phase) -> str:
    return (
        f"{phase.path}: {phase.requests:,} requests in {phase.seconds:.2f} s = {phase.rps:,.0f} req/s; "
        f"p50 {phase.percentile(50):.1f} ms, p99 {phase.percentile(99):.1f} ms; errors {phase.errors}"
    )
