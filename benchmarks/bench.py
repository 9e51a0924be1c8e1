"""dosecalc benchmarks: cohort speed and memory, and CLI cold start. Prints ratios measured in one run.

    python benchmarks/bench.py cohort      # 200,000 patients: dosecalc cohort vs the plain-Python reference
    python benchmarks/bench.py distinct    # the same with every weight different (no repeats to reuse)
    python benchmarks/bench.py memory      # peak memory: 2,000,000 patients vs 100,000
    python benchmarks/bench.py coldstart   # dosecalc table --format json vs python -c "import pint, typer, pydantic"
    python benchmarks/bench.py import      # python -c "import dosecalc" vs python -c pass
    python benchmarks/bench.py web         # dosecalc serve: /api/table vs /healthz, 16 clients, memory
    python benchmarks/bench.py class       # the teacher's page for 30 students x 100 problems vs a bare loop
    python benchmarks/bench.py handout --against /path/to/other/tree   # dosecalc report: this tree vs that one
    python benchmarks/bench.py simulate --against /path/to/other/tree  # simulate with three regimens, the same
    python benchmarks/bench.py coldstart --against /path/to/other/tree # cold start, this tree vs that one

Runs alternate between the two sides and report medians; nothing here is asserted.
"""

from __future__ import annotations

import csv
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
# The installed command, as people run it (`pip install .` first). Every run starts in a scratch folder,
# so that `python -m dosecalc` from the repository root cannot pick up the source tree instead.
_SCRIPT = Path(PYTHON).with_name("dosecalc")
DOSECALC = [str(_SCRIPT)] if _SCRIPT.is_file() else [PYTHON, "-m", "dosecalc"]
_SCRATCH = tempfile.TemporaryDirectory(prefix="dosecalc-bench-")  # removed when the script ends
SCRATCH = _SCRATCH.name


#: The regimens the cohort benchmarks compute: the four that reference_cohort.py writes out by hand, named
#: explicitly so that more built-in cards do not change the work compared (or the rows to agree).
COHORT_REGIMENS = ("rate-22-mg-h", "rate-0.35-mg-kg-h", "total-80-mg-5-h", "initial-80-mg-2-h")
COHORT_ARGS = [arg for regimen in COHORT_REGIMENS for arg in ("--regimen", regimen)]


def make_cohort(path: Path, n: int, seed: int = 7, distinct: bool = False) -> None:
    """n patients with mixed kg and lb weights (and an extra column): weights to 0.1 kg or 0.1 lb, as
    people record them, or with ``distinct`` every weight different (full precision)."""
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "weight", "ward"])
        for i in range(n):
            kg = rng.uniform(40, 150) if distinct else round(rng.uniform(40, 150), 1)
            lb = kg / 0.45359237 if distinct else round(kg / 0.45359237, 1)
            weight = f"{kg!r} kg" if rng.random() < 0.6 else f"{lb!r} lb"
            writer.writerow([f"P{i:07d}", weight, "A"])


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=SCRATCH)
    return time.perf_counter() - start


def peak_rss_mb(command: list[str]) -> float:
    """Peak resident memory of a child process, in MB (ru_maxrss of the waited-for child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=SCRATCH)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(after, before) / 1024


def machine() -> str:
    return f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}, {platform.system()}"


def bench_cohort(n: int = 200_000, rounds: int = 3, distinct: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source, ours, theirs = Path(tmp, "patients.csv"), Path(tmp, "ours.csv"), Path(tmp, "ref.csv")
        make_cohort(source, n, distinct=distinct)
        ours_t, ref_t = [], []
        for _ in range(rounds):
            ours_t.append(timed([*DOSECALC, "cohort", str(source), *COHORT_ARGS, "--output", str(ours)]))
            ref_t.append(timed([PYTHON, str(HERE / "reference_cohort.py"), str(source), str(theirs)]))
        same = compare(ours, theirs)
        ratio = statistics.median(ours_t) / statistics.median(ref_t)
        kind = "every weight different" if distinct else "weights to 0.1 kg or 0.1 lb"
        print(f"cohort, {n:,} patients x 4 regimens, {kind} ({machine()}):")
        print(f"  dosecalc cohort median {statistics.median(ours_t):.2f} s; reference {statistics.median(ref_t):.2f} s")
        print(f"  ratio dosecalc / reference = {ratio:.2f} (target <= 0.5, aim 0.3); rows agree: {same}")


def compare(ours: Path, theirs: Path) -> bool:
    """Every row and number of the two outputs agree to 1e-12 relative."""
    with ours.open(encoding="utf-8") as a, theirs.open(encoding="utf-8") as b:
        for row_a, row_b in zip(csv.reader(a), csv.reader(b), strict=True):
            for x, y in zip(row_a, row_b, strict=True):
                if x == y:
                    continue
                try:
                    fx, fy = float(x), float(y)
                except ValueError:
                    return False
                if abs(fx - fy) > 1e-12 * max(abs(fx), abs(fy)):
                    return False
    return True


def bench_memory(small: int = 100_000, large: int = 2_000_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        peaks = {}
        for n in (small, large):
            source = Path(tmp, f"p{n}.csv")
            make_cohort(source, n)
            output = str(Path(tmp, f"o{n}.csv"))
            peaks[n] = peak_rss_mb([*DOSECALC, "cohort", str(source), *COHORT_ARGS, "--output", output])
            source.unlink()
        print(
            f"memory ({machine()}): peak RSS {peaks[small]:.0f} MB for {small:,} patients, "
            f"{peaks[large]:.0f} MB for {large:,}; ratio {peaks[large] / peaks[small]:.2f} (target <= 1.5)"
        )


def bench_coldstart(rounds: int = 15) -> None:
    """dosecalc against the bare imports (the target's floor) and, for context, against the bare imports
    plus the part of typer that parses a command line (typer 0.29 imports all of pydantic there)."""
    ours, floor, parsing = [], [], []
    for _ in range(rounds):
        ours.append(timed([*DOSECALC, "table", "--weight", "70 kg", "--format", "json"]))
        floor.append(timed([PYTHON, "-c", "import pint, typer, pydantic"]))
        parsing.append(timed([PYTHON, "-c", "import pint, typer, pydantic, typer._adapters"]))
    ours_m, floor_m, parsing_m = (statistics.median(t) for t in (ours, floor, parsing))
    print(f"cold start ({machine()}), median of {rounds} alternating runs:")
    print(
        f"  dosecalc table --format json {ours_m * 1000:.0f} ms; import pint, typer, pydantic {floor_m * 1000:.0f} ms;"
        f" ratio {ours_m / floor_m:.2f} (target <= 1.25)"
    )
    print(
        f"  context: the same imports plus typer._adapters {parsing_m * 1000:.0f} ms "
        f"(ratio to the floor {parsing_m / floor_m:.2f}); dosecalc against it {ours_m / parsing_m:.2f}"
    )


#: The handout and the simulation timed by ``handout`` and ``simulate``: every card, with a model and worked steps.
HANDOUT = [
    "report",
    "--weight",
    "83 kg",
    "--concentration",
    "2 mg/mL",
    "--drop-factor",
    "20 gtt/mL",
    "--model",
    "domino",
]
HANDOUT_EXPLAIN = [*HANDOUT, "--explain"]
SIMULATE = ["simulate", "rate-0.35-mg-kg-h", "--compare", "total-80-mg-5-h", "--compare",
            "bolus-0.5-mg-kg-then-10-mcg-kg-min", "--weight", "83 kg", "--sessions", "3"]  # fmt: skip


def _tree(path: str) -> dict[str, str]:
    """The environment that runs ``python -m dosecalc`` from the source tree at ``path``."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(Path(path).resolve())
    return env


def _timed_in(env: dict[str, str], args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([PYTHON, "-m", "dosecalc", *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, cwd=SCRATCH, env=env)  # fmt: skip
    return time.perf_counter() - start


def bench_against(label: str, commands: list[list[str]], other: str, rounds: int) -> None:
    """Each command run from this tree and from ``other`` in turn (after one warm run of each, which also writes
    their bytecode), ``rounds`` times; the median of each and their ratio."""
    ours_env, theirs_env = _tree(str(HERE.parent)), _tree(other)
    for command in commands:
        for env in (ours_env, theirs_env):
            _timed_in(env, command)
        ours, theirs = [], []
        for _ in range(rounds):
            ours.append(_timed_in(ours_env, command))
            theirs.append(_timed_in(theirs_env, command))
        ours_m, theirs_m = statistics.median(ours), statistics.median(theirs)
        shown = " ".join(command[:2])
        print(f"{label} ({machine()}), median of {rounds} alternating runs: dosecalc {shown} ...")
        print(f"  this tree {ours_m * 1000:.0f} ms; {other} {theirs_m * 1000:.0f} ms; ratio {ours_m / theirs_m:.2f}")


def bench_import(rounds: int = 21) -> None:
    """``import dosecalc`` (the public API, imported lazily) against a bare interpreter start."""
    ours, floor = [], []
    for _ in range(rounds):
        ours.append(timed([PYTHON, "-c", "import dosecalc"]))
        floor.append(timed([PYTHON, "-c", "pass"]))
    ours_m, floor_m = statistics.median(ours), statistics.median(floor)
    print(f"import ({machine()}), median of {rounds} alternating runs:")
    print(
        f"  python -c 'import dosecalc' {ours_m * 1000:.0f} ms; python -c pass {floor_m * 1000:.0f} ms;"
        f" ratio {ours_m / floor_m:.2f} (target <= 2)"
    )


def bench_web(total: int = 10_000, clients: int = 16, rounds: int = 3) -> None:
    """``dosecalc serve`` (one worker) under 16 concurrent keep-alive clients: requests per second of
    /api/table?weight=70 kg against /healthz on the same server, alternating; then the server's resident
    memory after 1,000 and after 10,000 table requests; p50 and p99 latency of each."""
    sys.path.insert(0, str(HERE))
    from web_load import report, rss_mb, run_phase, start_server

    table = "/api/table?weight=70%20kg"
    server, port = start_server(DOSECALC, SCRATCH)
    try:
        run_phase(port, "/healthz", 500, clients)  # warm-up: imports, first requests
        run_phase(port, table, 1_000, clients)
        rss_1k = rss_mb(server.pid)
        health, tables = [], []
        for _ in range(rounds):
            health.append(run_phase(port, "/healthz", total, clients))
            tables.append(run_phase(port, table, total, clients))
        rss_10k = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    h = statistics.median(p.rps for p in health)
    t = statistics.median(p.rps for p in tables)
    print(f"web, dosecalc serve (1 worker), {clients} concurrent clients, {rounds} alternating rounds ({machine()}):")
    for phase in (health[-1], tables[-1]):
        print(f"  {report(phase)}")
    errors = sum(p.errors for p in health + tables)
    ratio = t / h
    print(f"  median req/s: /healthz {h:,.0f}; /api/table {t:,.0f}; ratio table / healthz {ratio:.2f} (target >= 0.6)")
    print(f"  errors in {(len(health) + len(tables)) * total:,} requests: {errors} (target 0)")
    print(
        f"  server memory after 1,000 table requests {rss_1k:.1f} MB; after {1_000 + rounds * total:,} "
        f"(with {rounds * total:,} /healthz) {rss_10k:.1f} MB; ratio {rss_10k / rss_1k:.2f} (target <= 1.1)"
    )


def bench_class(students: int = 30, count: int = 100, rounds: int = 5) -> None:
    """The teacher's page (graded, a class of ``students`` x ``count`` problems) and the download of every
    student's answer key (HTML), each against making the same problems (fully worded) in a bare loop over the
    students: ``generate_set`` for each student's seeds, nothing else. In this process, through the web app's
    test client (no HTTP server, no network), with the dosecalc this Python imports; rounds alternate, each
    round a class of its own seed (so that nothing a round remembers serves the next), medians of wall-clock
    times. Then the time a problem takes on one sheet of 50 and of 500 problems (linear: the ratio near 1)."""
    import os

    from fastapi.testclient import TestClient

    from dosecalc import api
    from dosecalc.regimens import load_catalogue
    from dosecalc.results import Sheets
    from dosecalc.teaching.exercises import generate_set
    from dosecalc.teaching.keys import key_text, seeds
    from dosecalc.web.access import login_code
    from dosecalc.web.app import create_app

    key_file = Path(SCRATCH, "teacher.key")
    key_file.write_text(key_text(bytes(range(32))), encoding="utf-8")
    os.chmod(key_file, 0o600)
    key = api.teacher_key(key_file)
    client = TestClient(create_app(teacher_key=key_file, host="127.0.0.1"))
    client.post("/teacher/login", data={"code": login_code(key)}, follow_redirects=False)
    names = [f"Student {n}" for n in range(1, students + 1)]
    cards = list(load_catalogue(None).cards.values())

    def bare(made: Sheets) -> None:
        for sheet in made:  # the same problems as the page's sheets, made one student after another
            deal, own = seeds(sheet.spec, key)
            generate_set(cards, sheet.spec.size, deal, own, sheet.spec.level, sheet.spec.convention)

    def post(path: str, data: dict[str, object]) -> None:
        answer = client.post(path, data=data)
        if answer.status_code != 200:
            raise SystemExit(f"{path} answered {answer.status_code}: {answer.text[:500]}")

    def one_sheet(size: int, seed: int) -> None:
        api.exercises(size, seed).problems  # type: ignore[union-attr]  # noqa: B018 (the problems, worded)

    def clocked(work: Callable[[], None]) -> float:
        start = time.perf_counter()
        work()
        return time.perf_counter() - start

    pages, loops, downloads = [], [], []
    same = True
    for seed in range(2026, 2026 + rounds):
        form = {"count": str(count), "seed": str(seed), "students": "\n".join(names)}
        download = {"count": str(count), "seed": str(seed), "students": names, "format": "html", "key": "1"}
        made = api.exercises(count, seed, students=names, teacher_key=key)
        assert isinstance(made, Sheets)
        shown = client.post("/teacher", data=form).text  # a first request of this seed, not timed
        same = same and all(sheet.code in shown for sheet in made)
        pages.append(clocked(partial(post, "/teacher", form)))
        loops.append(clocked(partial(bare, made)))
        downloads.append(clocked(partial(post, "/teacher/sheet", download)))
    page_m, loop_m, download_m = (statistics.median(t) for t in (pages, loops, downloads))
    total = students * count
    print(f"class, {students} students x {count} problems, graded ({machine()}), medians of {rounds} alternating runs:")
    print(
        f"  teacher's page {page_m:.2f} s (target < 2 s); bare loop making the same {total:,} problems "
        f"{loop_m:.2f} s ({loop_m / total * 1000:.2f} ms a problem); ratio page / bare loop {page_m / loop_m:.2f}"
    )
    print(f"  the page shows the library's codes: {same}")
    print(
        f"  download of every student's answer key (HTML) {download_m:.2f} s; ratio download / bare loop "
        f"{download_m / loop_m:.2f}"
    )
    per_problem = {}
    for size in (50, 500):
        times = [clocked(partial(one_sheet, size, seed)) for seed in range(rounds)]
        per_problem[size] = statistics.median(times) / size
    print(
        f"  one sheet: {per_problem[50] * 1000:.2f} ms a problem at 50 problems, {per_problem[500] * 1000:.2f} ms at "
        f"500; ratio {per_problem[500] / per_problem[50]:.2f} (linear: near 1)"
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    against = None
    if "--against" in args:
        at = args.index("--against")
        against = args[at + 1]
        del args[at : at + 2]
    if against is not None:
        for name in args:
            commands = {
                "handout": [[*HANDOUT, "--output", f"{SCRATCH}/handout.html"],
                            [*HANDOUT_EXPLAIN, "--output", f"{SCRATCH}/handout.html"]],
                "simulate": [SIMULATE, [*SIMULATE, "--format", "json"]],
                "coldstart": [["table", "--weight", "70 kg", "--format", "json"], ["--help"], ["table", "--help"]],
            }[name]  # fmt: skip
            bench_against(name, commands, against, rounds=5 if name == "handout" else 11)
        sys.exit(0)
    which = args or ["cohort", "distinct", "memory", "coldstart", "import", "web", "class"]
    if set(which) - {"class"}:  # class times the dosecalc this Python imports, in this process
        print(f"timing {' '.join(DOSECALC)}")
    for name in which:
        benches = {
            "cohort": bench_cohort,
            "distinct": lambda: bench_cohort(distinct=True),
            "memory": bench_memory,
            "coldstart": bench_coldstart,
            "import": bench_import,
            "web": bench_web,
            "class": bench_class,
        }
        benches[name]()
