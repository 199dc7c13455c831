"""``scripts/test`` as a person runs it: what it says about skipped tests, and what it leaves."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_scripts_test_says_why_tests_are_skipped_and_leaves_no_folder(tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "JUNIT_DIR"}
    # A test that runs, a module that skips under the default settings, the custom-user run.
    env.update(
        TMPDIR=str(temporary), PYTEST_ADDOPTS="-k 'google or custom_user or logout_refuses_get'"
    )

    result = subprocess.run(
        [str(ROOT / "scripts" / "test")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SKIPPED" in result.stdout
    assert "django-google-sso is not installed: tox -e google-sso" in result.stdout
    assert list(temporary.iterdir()) == []
