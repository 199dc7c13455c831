"""The documentation says what the package does: every setting, every check, the examples."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from inspect import signature
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

import django_microsoft_sso
from django_microsoft_sso import checks, conf

DOCS = Path(__file__).resolve().parent.parent / "docs"
PACKAGE = Path(django_microsoft_sso.__file__).parent
README = DOCS.parent / "README.md"
SETTING_HEADING = re.compile(r"^### `([A-Z0-9_]+)`$", re.MULTILINE)
CHECK_ID = re.compile(r"django_microsoft_sso\.[EW]\d{3}")
SHORT_CHECK_ID = re.compile(r"""ID\.format\(["']([EW]\d{3})["']\)""")


def documented_settings() -> dict[str, dict[str, str]]:
    """{setting: {"type", "default", "callable"}} from the table under each setting's heading."""
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    found: dict[str, dict[str, str]] = {}
    headings = list(SETTING_HEADING.finditer(text))
    for heading, following in zip(headings, [*headings[1:], None], strict=True):
        section = text[heading.end() : following.start() if following else len(text)]
        rows = [line for line in section.splitlines() if line.startswith("|")]
        assert len(rows) >= 3, f"{heading[1]}: no Type | Default | Callable table"
        assert [cell.strip() for cell in rows[0].strip("|").split("|")] == [
            "Type",
            "Default",
            "Callable of the request",
        ], f"{heading[1]}: unexpected table header"
        cells = [cell.strip() for cell in rows[2].strip("|").split("|")]
        assert heading[1] not in found, f"{heading[1]} is documented twice"
        found[heading[1]] = dict(zip(("type", "default", "callable"), cells, strict=True))
    return found


# -- settings ----------------------------------------------------------------------------------


def test_every_setting_is_documented_and_nothing_else():
    documented = set(documented_settings())

    assert sorted(set(conf.DEFAULTS) - documented) == [], "settings missing from docs/settings.md"
    assert sorted(documented - set(conf.DEFAULTS)) == [], "docs/settings.md invents settings"


@pytest.mark.parametrize("name", sorted(conf.DEFAULTS))
def test_documented_default_is_the_real_default(name):
    cell = documented_settings()[name]["default"]

    assert cell.startswith("`"), f"{name}: default must be a code literal"
    assert cell.endswith("`"), f"{name}: default must be a code literal"
    assert ast.literal_eval(cell.strip("`")) == conf.DEFAULTS[name]


@pytest.mark.parametrize("name", sorted(conf.DEFAULTS))
def test_documented_callability_is_the_real_one(name):
    expected = "no" if name in conf.NOT_REQUEST_CALLABLE else "yes"

    assert documented_settings()[name]["callable"] == expected


def test_links_to_settings_point_at_real_settings():
    """``settings.md#name`` anchors anywhere in the docs name a setting that exists."""
    anchors = set()
    for page in DOCS.glob("*.md"):
        anchors |= set(re.findall(r"settings\.md#([a-z0-9_]+)", page.read_text(encoding="utf-8")))
        anchors |= {
            anchor
            for anchor in re.findall(r"\]\(#([a-z0-9_]+)\)", page.read_text(encoding="utf-8"))
            if page.name == "settings.md"
        }
    assert anchors, "expected links into docs/settings.md"
    unknown = sorted(anchor.upper() for anchor in anchors if anchor.upper() not in conf.DEFAULTS)
    assert unknown == []


# -- checks ------------------------------------------------------------------------------------


def check_ids_in_code() -> set[str]:
    """Every check id the package can report: ``ID.format("E001")``, a full literal id, or the
    shape check declared with a setting."""
    found = {shape.check_id for shape in checks.SHAPES}
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        found |= set(CHECK_ID.findall(source))
        found |= {f"django_microsoft_sso.{short}" for short in SHORT_CHECK_ID.findall(source)}
    return found


def test_every_check_id_is_documented():
    in_code = check_ids_in_code()
    in_docs = set(CHECK_ID.findall((DOCS / "checks.md").read_text(encoding="utf-8")))

    assert in_code, "no check ids found in the package"
    assert sorted(in_code - in_docs) == [], "check ids missing from docs/checks.md"
    assert sorted(in_docs - in_code) == [], "docs/checks.md names checks that do not exist"


# -- the examples run -------------------------------------------------------------------------


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python[^\n]*\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)


def readme_hook() -> str:
    """The ``pre_login_user`` example of the README."""
    for block in python_blocks(README):
        if "def pre_login_user" in block:
            return block
    raise AssertionError("README.md has no pre_login_user example")


def test_hooks_page_shows_the_readme_example_word_for_word():
    assert readme_hook() in python_blocks(DOCS / "hooks.md")


@pytest.fixture
def documented_hook(settings):
    """The project of the docs: the README's hook, configured as docs/hooks.md says."""
    namespace: dict[str, Any] = {}
    exec(readme_hook(), namespace)
    settings.MICROSOFT_SSO_SCOPES = ["User.Read"]
    settings.MICROSOFT_SSO_SAVE_ACCESS_TOKEN = True
    settings.MICROSOFT_SSO_PRE_LOGIN_CALLBACK = namespace["pre_login_user"]


def examples_on_testing_page() -> dict[str, Callable[..., None]]:
    """The pytest functions shown in docs/testing.md."""
    examples = {}
    for block in python_blocks(DOCS / "testing.md"):
        if "def test_" in block and "TestCase)" not in block:
            namespace: dict[str, Any] = {"__name__": "docs_testing"}
            exec(block, namespace)
            examples.update(
                {name: item for name, item in namespace.items() if name.startswith("test_")}
            )
    return examples


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(examples_on_testing_page()))
def test_testing_page_example_passes(
    name, documented_hook, client, microsoft, microsoft_user, django_user_model, settings
):
    example = examples_on_testing_page()[name]
    fixtures = {
        "client": client,
        "microsoft": microsoft,
        "microsoft_user": microsoft_user,
        "django_user_model": django_user_model,
        "settings": settings,
    }

    example(**{parameter: fixtures[parameter] for parameter in signature(example).parameters})


@pytest.mark.django_db
def test_documented_hook_copies_the_profile_at_every_sign_in(
    documented_hook, client, microsoft, django_user_model
):
    ada = microsoft.add_user(
        "ada@contoso.com", mail="ada@contoso.com", given_name="Ada", surname="Byron"
    )
    microsoft.login(client, ada)
    ada.mail, ada.surname = "ada.lovelace@contoso.com", "Lovelace"
    client.logout()

    assert microsoft.login(client, ada).status_code == 302

    user = django_user_model.objects.get()
    assert (user.first_name, user.last_name, user.email) == (
        "Ada",
        "Lovelace",
        "ada.lovelace@contoso.com",
    )


def _testing_page_testcases() -> list[type]:
    """The ``TestCase`` classes of docs/testing.md, in the project of the docs (the README's hook)."""
    namespace: dict[str, Any] = {}
    for block in python_blocks(DOCS / "testing.md"):
        if "TestCase)" in block:
            exec(block, namespace)
    hook: dict[str, Any] = {}
    exec(readme_hook(), hook)
    in_documented_project = override_settings(
        MICROSOFT_SSO_SCOPES=["User.Read"],
        MICROSOFT_SSO_SAVE_ACCESS_TOKEN=True,
        MICROSOFT_SSO_PRE_LOGIN_CALLBACK=hook["pre_login_user"],
    )
    return [
        in_documented_project(item)
        for name, item in namespace.items()
        if name.endswith("Tests") and isinstance(item, type)
    ]


# The Django TestCases shown in docs/testing.md, collected and run as they are written.
globals().update({f"TestingPage{case.__name__}": case for case in _testing_page_testcases()})
