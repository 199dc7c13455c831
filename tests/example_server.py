"""Serve the example project for real, as ``./scripts/example`` does: for tests that need a server.

``serve_example(directory)`` migrates a fresh SQLite database in ``directory``, starts
``manage.py runserver --noreload`` (or, with ``server="uvicorn"``, uvicorn with
``example_project.asgi``) on a free loopback port (the demo's Microsoft emulator starts inside
it) and stops it afterwards. The site is reached as ``http://localhost:<port>``, a
different site from the emulator's ``127.0.0.1``, as Microsoft is a different site from yours.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "example_project" / "manage.py"
BANNER_LINE = re.compile(r"^Sign in with Microsoft: (.*)$", re.MULTILINE)
EMULATOR_URL = re.compile(r"through the Microsoft emulator at (http://\S+)")
START_TIMEOUT = 60


@dataclass
class ServedExample:
    url: str
    mode: str  # the banner's "Sign in with Microsoft: ..." line
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def emulator_url(self) -> str | None:
        found = EMULATOR_URL.search(self.mode)
        return found.group(1) if found else None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def example_environment(database: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any app registration or Django setting (the demo),
    plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "MICROSOFT_SSO_"))
    }
    env.update(
        EXAMPLE_TEST_DATABASE=str(database),
        PYTHONUNBUFFERED="1",
        DJANGO_RUNSERVER_HIDE_WARNING="true",
    )
    env.update(extra)
    return env


@contextmanager
def serve_example(
    directory: Path,
    settings: str = "tests.project.settings_example",
    migrate: bool = True,
    server: str = "runserver",
    **environment: str,
) -> Iterator[ServedExample]:
    """Serve the example until the block ends; ``environment`` adds variables (the real
    Microsoft's app registration, for one)."""
    env = example_environment(directory / "db.sqlite3", **environment)
    command = [sys.executable, str(MANAGE)]
    if migrate:
        migrated = subprocess.run(
            [*command, "migrate", "--no-input", "-v", "0", "--settings", settings],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    log = directory / f"{server}.log"
    if server == "uvicorn":
        # One worker: the demo's emulator lives in the serving process.
        env.update(DJANGO_SETTINGS_MODULE=settings, EXAMPLE_SITE_URL=f"http://localhost:{port}")
        serve = [sys.executable, "-m", "uvicorn", "example_project.asgi:application"]
        serve += ["--app-dir", str(ROOT), "--host", "127.0.0.1", "--port", str(port)]
        serve += ["--workers", "1", "--log-level", "warning"]
    else:
        serve = [*command, "runserver", "--noreload", "--settings", settings, f"127.0.0.1:{port}"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            serve,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        banner = None
        while banner is None:
            banner = BANNER_LINE.search(log.read_text(encoding="utf-8", errors="replace"))
            if banner is None:
                assert process.poll() is None, f"{server} exited:\n{log.read_text()}"
                assert time.monotonic() < deadline, f"{server} did not start:\n{log.read_text()}"
                time.sleep(0.05)
        # uvicorn loads the application (which prints the banner) before it listens.
        while not listening(port):
            assert process.poll() is None, f"{server} exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"{server} did not listen:\n{log.read_text()}"
            time.sleep(0.05)
        yield ServedExample(f"http://localhost:{port}", banner.group(1), log, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
