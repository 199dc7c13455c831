"""The example project served by gunicorn (or uvicorn) for a test, and browsers that sign in
through it."""

from __future__ import annotations

import html
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from django_microsoft_sso.testing.emulator import EMULATOR_URL_VARIABLE

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(
    settings_module: str,
    environment: dict[str, str],
    emulator_url: str,
    log: Path,
    *,
    workers: int,
    threads: int = 1,
    timeout: int = 60,
    preload: bool = False,
    application: str = "django.core.wsgi:get_wsgi_application()",
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Serve the project under gunicorn; yield its base URL and process, stop it on the way out.

    ``preload`` sets Django up once and forks the workers from there: a few seconds less (with
    ``application`` ``tests.load.wsgi_preloaded:application``, the views are loaded too).
    """
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "MICROSOFT_SSO_"))
    }
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        DJANGO_SETTINGS_MODULE=settings_module,
        PYTHONUNBUFFERED="1",
        **environment,
    )
    env[EMULATOR_URL_VARIABLE] = emulator_url
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        str(timeout),
        "--log-level",
        "warning",
        *(["--preload"] if preload else []),
        application,
    ]
    with serving(command, env, port, log) as served:
        yield served


@contextmanager
def uvicorn(
    settings_module: str,
    environment: dict[str, str],
    emulator_url: str,
    log: Path,
    application: str = "example_project.asgi:application",
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Serve the project under uvicorn, one worker process; yield its base URL and process."""
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "MICROSOFT_SSO_"))
    }
    env.update(DJANGO_SETTINGS_MODULE=settings_module, PYTHONUNBUFFERED="1", **environment)
    env[EMULATOR_URL_VARIABLE] = emulator_url
    command = [sys.executable, "-m", "uvicorn", application, "--app-dir", str(ROOT)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    with serving(command, env, port, log) as served:
        yield served


@contextmanager
def serving(
    command: list[str], env: dict[str, str], port: int, log: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run the server ``command`` until the block ends; yield its base URL and process."""
    with log.open("wb") as output:
        # A group of its own, so that the workers stop with it.
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process, log)
        yield base, process
    finally:
        # The answers are in: no need to wait for a graceful shutdown (seconds, with Django).
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def wait_until_serving(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base}/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the server did not answer within a minute:\n{log.read_text(errors='replace')}")


def answer_from_microsoft(
    browser: httpx.Client, base: str, person, next_url: str
) -> httpx.Request:
    """Start a sign-in and pick ``person`` on the emulator's page; return the callback request.

    The browser has not sent it yet: the caller decides when (all at once, say).
    """
    started = browser.get(f"{base}/microsoft_sso/login/", params={"next": next_url})
    assert started.status_code == 302, started.text[:500]
    authorize_url = started.headers["Location"]
    picker = browser.get(authorize_url)
    assert picker.status_code == 200
    assert f'value="{person.object_id}"' in picker.text
    answer = browser.post(authorize_url, data={"person": person.object_id})
    if answer.status_code == 302:  # response_mode=query: a redirect to the callback
        return browser.build_request("GET", answer.headers["Location"])
    assert answer.status_code == 200, answer.text[:500]
    action = html.unescape(re.search(r'action="([^"]+)"', answer.text).group(1))
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', answer.text)
    }
    return browser.build_request("POST", action, data=fields)
