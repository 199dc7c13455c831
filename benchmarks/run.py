"""What a sign-in with Microsoft costs: the example project under gunicorn, Microsoft emulated.

    python benchmarks/run.py                  # 0 and 30 ms of latency, 200 sign-ins each
    python benchmarks/run.py --latency 0 80 --logins 400 --no-write

For each latency, the example project (``benchmarks/settings.py``: a new SQLite database, a file
cache its processes share) is served by gunicorn with 4 workers. The fake Microsoft of
``django_microsoft_sso.testing`` is served over HTTP on loopback by two emulators, one that the
server's HTTP client reaches and one for the browsers, each adding the latency to every request.
Browsers are httpx clients: start → the emulator's sign-in page (the person's choice, POST) →
callback → the page they land on. The benchmark then measures:

1. the first sign-in after the server started (new processes, nothing cached);
2. sign-ins one at a time in steady state, new people then returning ones: the requests each
   step makes to Microsoft, by endpoint, and the database queries of the callback;
3. the same under load, 16 browsers at once: requests to Microsoft and new connections per
   sign-in, queries per callback, wall time per sign-in (median, p95), the CPU time the gunicorn
   workers spent per sign-in, and sign-ins per second.

It prints the figures and writes them to docs/performance.md (``--no-write`` does not). The
benchmark is not part of the test suite: tests/test_performance.py asserts the same budgets as
counts. Needs gunicorn (``pip install -e ".[benchmark]"``; ``scripts/benchmark`` does that).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import queue
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
API_SECTION = "## API requests"
sys.path.insert(0, str(ROOT))

from benchmarks.middleware import QUERIES_HEADER  # noqa: E402
from django_microsoft_sso.testing import TINY_PNG, FakeMicrosoft, MicrosoftUser  # noqa: E402
from django_microsoft_sso.testing.emulator import (  # noqa: E402
    EMULATOR_URL_VARIABLE,
    EmulatorServer,
)

START_PATH = "/microsoft_sso/login/"
LANDING_PATH = "/private/"
WARM_UP_LOGINS = 32
ONE_AT_A_TIME_LOGINS = 10
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class SignInFailed(Exception):
    """A step of a sign-in did not answer as it should."""


@dataclass
class SignIn:
    """One sign-in as a browser saw it."""

    seconds: float
    queries: int
    at_start: list[str] = field(default_factory=list)
    at_callback: list[str] = field(default_factory=list)


@dataclass
class Load:
    """Many sign-ins at once, and what they cost in total."""

    sign_ins: list[SignIn]
    seconds: float
    requests: Counter[str]
    connections: int
    cpu_seconds: float

    @property
    def count(self) -> int:
        return len(self.sign_ins)

    def per_sign_in(self, total: float) -> float:
        return total / self.count

    def times(self) -> list[float]:
        return sorted(sign_in.seconds for sign_in in self.sign_ins)


@dataclass
class Run:
    """Every figure for one latency."""

    latency_ms: float
    first: SignIn
    one_new: list[SignIn]
    one_returning: list[SignIn]
    load_new: Load
    load_returning: Load


# -- the server and Microsoft -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """The example project under gunicorn, with its own database and cache, for one run."""

    def __init__(self, emulator_url: str, workers: int, directory: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log = directory / "gunicorn.log"
        environment = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("MICROSOFT_SSO_", "DJANGO_"))
        }
        self.environment = {
            **environment,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
            "BENCHMARK_DATABASE": str(directory / "db.sqlite3"),
            "BENCHMARK_CACHE_DIRECTORY": str(directory / "cache"),
            EMULATOR_URL_VARIABLE: emulator_url,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        subprocess.run(
            [sys.executable, "-m", "django", "migrate", "--no-input", "--verbosity", "0"],
            cwd=ROOT,
            env=self.environment,
            check=True,
        )
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--error-logfile",
            str(self.log),
            "--log-level",
            "warning",
            "benchmarks.wsgi:application",
        ]
        # The command is this script's own, with no outside input.
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.environment)  # noqa: S603
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited: see {self.log}\n{self.log.read_text()}")
            if len(self.worker_pids()) == self.workers and self._answers():
                return
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not start within a minute: see {self.log}")

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        if children.exists():
            return [int(pid) for pid in children.read_text().split()]
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                found.append(int(stat.parent.name))
        return found

    def cpu_seconds(self) -> float:
        """User and system CPU time of the workers so far."""
        ticks = 0
        for pid in self.worker_pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / CLOCK_TICKS

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def add_people(fake: FakeMicrosoft, prefix: str, count: int) -> list[MicrosoftUser]:
    return [
        fake.add_user(
            f"{prefix}{number:04d}@contoso.com",
            mail=f"{prefix}{number:04d}@contoso.com",
            given_name=prefix.capitalize(),
            surname=f"Number {number}",
            display_name=f"{prefix.capitalize()} {number}",
            preferred_language="en-US",
            photo=TINY_PNG,
        )
        for number in range(count)
    ]


# -- a browser ------------------------------------------------------------------------------------


def expect(condition: bool, step: str, response: httpx.Response) -> None:
    if not condition:
        location = response.headers.get("location", "")
        raise SignInFailed(f"{step}: HTTP {response.status_code} {location}".strip())


def sign_in(
    browser: httpx.Client,
    server: Server,
    microsoft: EmulatorServer,
    person: MicrosoftUser,
    record: bool = False,
) -> SignIn:
    """One whole sign-in of ``person`` in a browser with no cookies yet."""
    try:
        return _sign_in(browser, server, microsoft, person, record)
    except httpx.HTTPError as error:
        raise SignInFailed(f"{type(error).__name__}: {error}") from error


def _sign_in(
    browser: httpx.Client,
    server: Server,
    microsoft: EmulatorServer,
    person: MicrosoftUser,
    record: bool,
) -> SignIn:
    calls = microsoft.fake.calls
    browser.cookies.clear()
    began = time.perf_counter()
    mark = len(calls)
    start = browser.get(f"{server.url}{START_PATH}", params={"next": LANDING_PATH})
    expect(start.status_code == 302, "start", start)
    authorize_url = start.headers["location"]
    expect(authorize_url.startswith(microsoft.url), "start", start)
    at_start = [name for name, _ in calls[mark:]] if record else []
    choice = browser.post(authorize_url, data={"person": person.object_id})
    expect(choice.status_code == 302, "sign-in page", choice)
    mark = len(calls)
    callback = browser.get(choice.headers["location"])
    expect(callback.headers.get("location") == LANDING_PATH, "callback", callback)
    at_callback = [name for name, _ in calls[mark:]] if record else []
    landing = browser.get(f"{server.url}{LANDING_PATH}")
    expect(landing.status_code == 200, "landing page", landing)
    return SignIn(
        seconds=time.perf_counter() - began,
        queries=int(callback.headers[QUERIES_HEADER]),
        at_start=at_start,
        at_callback=at_callback,
    )


def browser() -> httpx.Client:
    return httpx.Client(timeout=60, follow_redirects=False)


def one_at_a_time(
    server: Server, microsoft: EmulatorServer, people: Iterable[MicrosoftUser]
) -> list[SignIn]:
    with browser() as client:
        return [sign_in(client, server, microsoft, person, record=True) for person in people]


def under_load(
    server: Server,
    backend: EmulatorServer,
    microsoft: EmulatorServer,
    people: list[MicrosoftUser],
    clients: int,
) -> Load:
    """Everyone in ``people`` signs in, ``clients`` browsers at a time."""
    browsers: queue.SimpleQueue[httpx.Client] = queue.SimpleQueue()
    for _ in range(clients):
        browsers.put(browser())

    def one(person: MicrosoftUser) -> SignIn:
        client = browsers.get()
        try:
            return sign_in(client, server, microsoft, person)
        finally:
            browsers.put(client)

    requests_before = Counter(name for name, _ in backend.fake.calls)
    connections_before = backend.connections
    cpu_before = server.cpu_seconds()
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        sign_ins = list(pool.map(one, people))
    seconds = time.perf_counter() - began
    cpu = server.cpu_seconds() - cpu_before
    requests = Counter(name for name, _ in backend.fake.calls) - requests_before
    while not browsers.empty():
        browsers.get().close()
    return Load(sign_ins, seconds, requests, backend.connections - connections_before, cpu)


# -- one run --------------------------------------------------------------------------------------


def run(latency_ms: float, logins: int, workers: int, clients: int) -> Run:
    """Every measurement at one latency, on a new server with a new database."""
    fake = FakeMicrosoft()
    latency = latency_ms / 1000
    # The server's emulator first: the browsers' one, made second, is where sign-in pages live.
    backend = EmulatorServer(fake, latency=latency).start()
    microsoft = EmulatorServer(fake, latency=latency).start()
    newcomers = logins // 2
    first_person, *warm_up = add_people(fake, "warm", 1 + WARM_UP_LOGINS)
    alone = add_people(fake, "alone", ONE_AT_A_TIME_LOGINS)
    crowd = add_people(fake, "crowd", newcomers)
    with tempfile.TemporaryDirectory(prefix="sso-benchmark-") as directory:
        server = Server(backend.url, workers, Path(directory))
        try:
            server.start()
            [first] = one_at_a_time(server, microsoft, [first_person])
            under_load(server, backend, microsoft, warm_up, clients)
            one_new = one_at_a_time(server, microsoft, alone)
            one_returning = one_at_a_time(server, microsoft, alone)
            load_new = under_load(server, backend, microsoft, crowd, clients)
            load_returning = under_load(server, backend, microsoft, crowd, clients)
        finally:
            server.stop()
            backend.stop()
            microsoft.stop()
    return Run(latency_ms, first, one_new, one_returning, load_new, load_returning)


# -- figures ----------------------------------------------------------------------------------------


def endpoints(counts: Counter[str], per: int = 1) -> str:
    """``2: token 1, batch 1`` (requests per sign-in, in all and by endpoint), or ``0``."""
    order = ["instance", "metadata", "keys", "token", "batch", "me", "photo"]
    names = sorted(counts, key=lambda name: (order.index(name) if name in order else 99, name))
    parts = [f"{name} {number_text(counts[name] / per)}" for name in names if counts[name]]
    total = number_text(sum(counts.values()) / per)
    return f"{total}: {', '.join(parts)}" if parts else "0"


def number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.2f}"


def steps(sign_ins: list[SignIn], attribute: Callable[[SignIn], list[str]]) -> str:
    """Requests per sign-in by endpoint; every sign-in must have made the same ones."""
    seen = {tuple(sorted(attribute(sign_in))) for sign_in in sign_ins}
    text = endpoints(
        Counter(name for sign_in in sign_ins for name in attribute(sign_in)), len(sign_ins)
    )
    return text if len(seen) == 1 else f"{text} (varied)"


def queries(sign_ins: list[SignIn]) -> str:
    values = sorted({sign_in.queries for sign_in in sign_ins})
    return str(values[0]) if len(values) == 1 else f"{values[0]} to {values[-1]}"


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    return values[max(0, math.ceil(fraction * len(values)) - 1)]


def table(result: Run, workers: int, clients: int) -> list[str]:
    new, back = result.load_new, result.load_returning
    rows = [
        (
            "Microsoft requests, start view",
            steps(result.one_new, lambda s: s.at_start),
            steps(result.one_returning, lambda s: s.at_start),
        ),
        (
            "Microsoft requests, callback",
            steps(result.one_new, lambda s: s.at_callback),
            steps(result.one_returning, lambda s: s.at_callback),
        ),
        ("database queries, callback", queries(result.one_new), queries(result.one_returning)),
        (
            "wall time per sign-in, one browser (median)",
            milliseconds(statistics.median(s.seconds for s in result.one_new)),
            milliseconds(statistics.median(s.seconds for s in result.one_returning)),
        ),
        (f"**{clients} browsers at once, {workers} gunicorn workers**", "", ""),
        (
            "Microsoft requests per sign-in",
            endpoints(new.requests, new.count),
            endpoints(back.requests, back.count),
        ),
        (
            "new connections to Microsoft per sign-in",
            number_text(new.per_sign_in(new.connections)),
            number_text(back.per_sign_in(back.connections)),
        ),
        ("database queries, callback", queries(new.sign_ins), queries(back.sign_ins)),
        (
            "wall time per sign-in, median",
            milliseconds(statistics.median(new.times())),
            milliseconds(statistics.median(back.times())),
        ),
        (
            "wall time per sign-in, p95",
            milliseconds(percentile(new.times(), 0.95)),
            milliseconds(percentile(back.times(), 0.95)),
        ),
        (
            "server CPU time per sign-in",
            milliseconds(new.per_sign_in(new.cpu_seconds)),
            milliseconds(back.per_sign_in(back.cpu_seconds)),
        ),
        (
            "sign-ins per second",
            f"{new.count / new.seconds:.1f}",
            f"{back.count / back.seconds:.1f}",
        ),
    ]
    lines = [
        f"### {number_text(result.latency_ms)} ms added to every request to Microsoft",
        "",
        f"First sign-in after the server started (new processes, nothing cached): start view "
        f"{endpoints(Counter(result.first.at_start))}; callback "
        f"{endpoints(Counter(result.first.at_callback))}.",
        "",
        f"| | new person ({new.count} under load) | returning person ({back.count}) |",
        "|---|---|---|",
    ]
    lines += [f"| {label} | {first} | {second} |" for label, first, second in rows]
    return lines


def machine(load_average: float) -> list[str]:
    import django
    import msal

    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return [
        f"- CPU: {model}, {os.cpu_count()} cores (shared by gunicorn, the browsers and the "
        "emulators)",
        f"- {platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"Django {django.get_version()}, msal {msal.__version__}, httpx {httpx.__version__}, "
        f"gunicorn {version('gunicorn')}, SQLite {sqlite3.sqlite_version}",
        f"- measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, load average "
        f"{load_average:.1f} when the benchmark started (other work on the machine slows it)",
    ]


def paragraph(*sentences: str) -> list[str]:
    """Sentences as one Markdown paragraph, wrapped at 99 columns, and a blank line."""
    return [*textwrap.wrap(" ".join(sentences), width=99, break_on_hyphens=False), ""]


def report(
    results: list[Run], logins: int, workers: int, clients: int, load_average: float
) -> str:
    lines = [
        "# Performance",
        "",
        *paragraph(
            "A sign-in is dominated by round trips to Microsoft. Once a process has served one",
            "sign-in, the start view asks Microsoft nothing; the callback redeems the code (one",
            "request) and, for a new person or with `MICROSOFT_SSO_ALWAYS_UPDATE_USER_DATA`, reads",
            "the profile and the 96x96 photo in one Graph `$batch` (two requests in all). A",
            "project hook that reads the profile gets the whole `/me` object in that same batch.",
            "Tenant metadata and signing keys are kept for a day in each process and in Django's",
            "cache (`MICROSOFT_SSO_CACHE_NAME`), so that a new worker next to running ones asks",
            "Microsoft for neither; msal is handed the metadata the package read rather than",
            "fetching it again. One pooled HTTP client serves msal and Graph: no new connection",
            "per sign-in. `tests/test_performance.py` holds these budgets, and the database",
            "queries of the callback, as counts.",
        ),
        "## Figures",
        "",
        *paragraph(
            "Generated by `./scripts/benchmark` (or `python benchmarks/run.py`; see the README's",
            f"development section): the example project under gunicorn ({workers} sync workers,",
            "SQLite, a file cache the workers share, `DEBUG` on as the Microsoft emulator",
            "requires), Microsoft emulated on loopback with the latency below added to every",
            "request, browsers played by httpx clients: start, the person's choice on the",
            "emulator's sign-in page, callback, landing page. Wall time is that whole round; under",
            f"load {clients} browsers queue for {workers} workers, so it includes the wait. Server",
            "CPU time is that of the gunicorn workers for all the pages of a sign-in.",
            f"{logins} sign-ins under load per latency ({logins // 2} new people, who then",
            f"return), after {WARM_UP_LOGINS} warm-up sign-ins and {ONE_AT_A_TIME_LOGINS} new",
            f"and {ONE_AT_A_TIME_LOGINS} returning sign-ins one at a time.",
        ),
        "Measured on:",
        "",
        *machine(load_average),
        "",
    ]
    for result in results:
        lines += [*table(result, workers, clients), ""]
    lines += paragraph(
        "Database queries count everything Django ran for the callback request: loading and",
        "saving the session and Django's `login()` (a new session key, `last_login`), besides",
        "the package's own lookups and writes. Times vary from run to run by a few tens of per",
        "cent on a small shared machine; the counts do not.",
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--latency",
        type=float,
        nargs="+",
        default=[0, 30],
        metavar="MS",
        help="milliseconds added to every request to Microsoft (default: 0 30)",
    )
    parser.add_argument(
        "--logins",
        type=int,
        default=200,
        help="sign-ins under load per latency, half new people (default: 200)",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default: 4)")
    parser.add_argument(
        "--clients", type=int, default=16, help="browsers signing in at once (default: 16)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "docs" / "performance.md",
        help="where to write the figures (default: docs/performance.md)",
    )
    parser.add_argument("--no-write", action="store_true", help="print the figures only")
    options = parser.parse_args(argv)
    if options.logins < 2:
        parser.error("--logins must be 2 or more")

    load_average = os.getloadavg()[0]
    results = []
    for latency in options.latency:
        print(f"latency {number_text(latency)} ms: {options.logins} sign-ins…", flush=True)
        began = time.perf_counter()
        try:
            results.append(run(latency, options.logins, options.workers, options.clients))
        except SignInFailed as error:
            print(f"a sign-in failed: {error}", file=sys.stderr)
            return 1
        print(f"  done in {time.perf_counter() - began:.1f} s", flush=True)
    text = report(results, options.logins, options.workers, options.clients, load_average)
    print()
    print(text)
    if not options.no_write:
        # The API section is benchmarks/api.py's: it stays as that script last wrote it.
        if options.output.is_file():
            previous = options.output.read_text(encoding="utf-8")
            if API_SECTION in previous:
                text = text.rstrip("\n") + "\n\n" + API_SECTION + previous.split(API_SECTION, 1)[1]
        options.output.write_text(text, encoding="utf-8")
        print(f"written to {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
