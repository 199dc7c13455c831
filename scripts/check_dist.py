"""Check what the sdist and the wheel built by scripts/check-package contain.

    python scripts/check_dist.py SDIST WHEEL

The wheel must hold every file of the package in this tree (code, templates, static files,
migrations, translation catalogs, ``py.typed``) and nothing else, with the version of
``django_microsoft_sso/__init__.py`` and the pytest plugin's entry point. The sdist must hold what
rebuilding and testing the package needs. "Files of this tree" are those git sees (committed or
new, not ignored), as the build backend does. Prints what is wrong and exits 1, or says ok.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "django_microsoft_sso"
# What a project needs at run time, named here so that losing one from the tree is noticed too.
WHEEL_MUST_HAVE = [
    "py.typed",
    "templates/admin/login.html",
    "templates/microsoft_sso/login_sso.html",
    "templates/microsoft_sso/buttons.html",
    "static/django_microsoft_sso/microsoft_button.css",
    "static/django_microsoft_sso/microsoft_logo.svg",
    "migrations/__init__.py",
    "migrations/0001_initial.py",
    *(
        f"locale/{lang}/LC_MESSAGES/django.{ext}"
        for lang in ("pt_BR", "es", "fr", "de")
        for ext in ("po", "mo")
    ),
    *(
        f"testing/{module}.py"
        for module in (
            "__init__",
            "directory",
            "emulator",
            "fake",
            "faults",
            "graph",
            "pytest_plugin",
            "signin",
            "signing",
            "tokens",
            "wire",
        )
    ),
]
# Rebuilding (pyproject.toml names README.md and LICENSE), testing (tests, tox.ini, scripts) and
# building the docs from the sdist.
SDIST_TOP_FILES = [
    "pyproject.toml",
    "README.md",
    "LICENSE",
    "CHANGELOG.md",
    "tox.ini",
    "mkdocs.yml",
]
SDIST_TREES = [PACKAGE, "tests", "example_project", "docs", "scripts"]
NEVER = re.compile(r"(^|/)(__pycache__/|\.DS_Store$)|\.(pyc|sqlite3|orig|rej)$")
REQUIRES = {"django", "msal", "httpx", "loguru", "pyjwt", "cryptography"}


def tree_files(*tops: str) -> set[str]:
    """Files under ``tops`` that git sees (tracked or new, not ignored) and that exist."""
    listed = subprocess.run(  # noqa: S603  (fixed arguments)
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *tops],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return {name for name in listed if (ROOT / name).is_file()}


def version_in_tree() -> str:
    source = (ROOT / PACKAGE / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"$', source, re.MULTILINE)
    if not match:
        raise SystemExit(f"no __version__ in {PACKAGE}/__init__.py")
    return match[1]


def check_wheel(path: Path, version: str) -> list[str]:
    problems = []
    with zipfile.ZipFile(path) as wheel:
        names = {name for name in wheel.namelist() if not name.endswith("/")}
        dist_info = f"django_microsoft_sso-{version}.dist-info"
        metadata = Parser().parsestr(wheel.read(f"{dist_info}/METADATA").decode())
        entry_points = wheel.read(f"{dist_info}/entry_points.txt").decode()
    package_files = {name for name in names if not name.startswith(f"{dist_info}/")}
    expected = tree_files(PACKAGE)
    problems += [f"wheel lacks {name}" for name in sorted(expected - package_files)]
    problems += [f"wheel has {name}, not in the tree" for name in sorted(package_files - expected)]
    problems += [
        f"the tree lacks {PACKAGE}/{name}, which projects need"
        for name in WHEEL_MUST_HAVE
        if f"{PACKAGE}/{name}" not in expected
    ]
    problems += [f"wheel has {name}" for name in sorted(names) if NEVER.search(name)]
    if metadata["Version"] != version:
        problems.append(f"wheel METADATA says version {metadata['Version']}, the tree {version}")
    required = {
        re.split(r"[<>=!~;\[ ]", req, maxsplit=1)[0].lower()
        for req in metadata.get_all("Requires-Dist", [])
    }
    problems += [f"wheel does not require {name}" for name in sorted(REQUIRES - required)]
    if "django_microsoft_sso.testing.pytest_plugin" not in entry_points:
        problems.append("wheel lacks the pytest11 entry point of the testing plugin")
    return problems


def check_sdist(path: Path, version: str) -> list[str]:
    top = f"django_microsoft_sso-{version}"
    with tarfile.open(path) as sdist:
        members = [member.name for member in sdist.getmembers() if member.isfile()]
    outside = [name for name in members if PurePosixPath(name).parts[0] != top]
    names = {str(PurePosixPath(name).relative_to(top)) for name in members if name not in outside}
    problems = [f"sdist has {name} outside {top}/" for name in outside]
    problems += [f"sdist lacks {name}" for name in SDIST_TOP_FILES if name not in names]
    problems += [f"sdist lacks {name}" for name in sorted(tree_files(*SDIST_TREES) - names)]
    problems += [f"sdist has {name}" for name in sorted(names) if NEVER.search(name)]
    return problems


def main(arguments: list[str]) -> int:
    if len(arguments) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    sdist, wheel = (Path(argument) for argument in arguments)
    version = version_in_tree()
    problems = check_sdist(sdist, version) + check_wheel(wheel, version)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"  ok: {sdist.name} and {wheel.name} hold what they must (version {version})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
