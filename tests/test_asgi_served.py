"""The example project under uvicorn (one worker): a sign-in waiting on Microsoft does not stall
the other requests of that worker.

Microsoft's token endpoint (the emulator's) holds the callback's code redemption until the test
lets it go; meanwhile another browser's requests (a page, the start of a sign-in) are answered.
Needs the ``asgi`` extra (uvicorn): ``tox -e asgi``.
"""

import json
import subprocess
import sys
import threading
import time

import httpx
import pytest

from django_microsoft_sso.testing import FakeMicrosoft
from django_microsoft_sso.testing.emulator import EmulatorServer
from tests.load.serving import ROOT, answer_from_microsoft, uvicorn

pytest.importorskip("uvicorn", reason="uvicorn is not installed: pip install -e '.[asgi]'")

SETTINGS = "tests.load.settings_workers"
HELD_FOR = 30  # seconds at most; the test releases it as soon as the other requests are in


def migrated_database(tmp_path):
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "db.sqlite3")}
    migrated = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env={
            "PATH": "",
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "SSO_WORKERS_DATABASE": json.dumps(database),
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrated.returncode == 0, migrated.stderr
    return database


def test_a_sign_in_waiting_on_microsoft_does_not_stall_the_worker(tmp_path):
    fake = FakeMicrosoft()
    alice = fake.add_user("alice@contoso.com", mail="alice@contoso.com", given_name="Alice")
    at_microsoft, release = threading.Event(), threading.Event()

    def held_token_answer(request):
        at_microsoft.set()
        release.wait(HELD_FOR)
        return fake.handle(request)  # the fault is used up: the real answer

    database = migrated_database(tmp_path)
    log = tmp_path / "uvicorn.log"
    with (
        EmulatorServer(fake) as emulator,
        uvicorn(SETTINGS, {"SSO_WORKERS_DATABASE": json.dumps(database)}, emulator.url, log) as (
            base,
            _,
        ),
        httpx.Client(timeout=HELD_FOR + 10) as first,
        httpx.Client(timeout=10) as second,
    ):
        callback = answer_from_microsoft(first, base, alice, "/private/")
        fake.fail("token", held_token_answer)
        landed = {}
        signing_in = threading.Thread(target=lambda: landed.update(r=first.send(callback)))
        signing_in.start()
        assert at_microsoft.wait(10), log.read_text(errors="replace")

        started = time.monotonic()
        home = second.get(f"{base}/")
        start = second.get(f"{base}/microsoft_sso/login/", params={"next": "/private/"})
        meanwhile = time.monotonic() - started
        still_waiting = signing_in.is_alive()
        release.set()
        signing_in.join(HELD_FOR + 10)

    assert home.status_code == 200
    assert "Sign in with Microsoft" in home.text
    assert start.status_code == 302
    assert fake.is_authorize_url(start.headers["Location"])
    assert still_waiting, "the sign-in did not wait at Microsoft"
    assert meanwhile < 5, f"the other requests took {meanwhile:.1f} s"
    assert landed["r"].status_code == 302, log.read_text(errors="replace")
    assert landed["r"].headers["Location"] == "/private/"
    assert "Traceback" not in log.read_text(errors="replace")
