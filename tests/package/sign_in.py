"""One full sign-in through the fake Microsoft, with django-microsoft-sso as installed from its wheel.

scripts/check-package runs this from a copy of tests/package outside the repository, after
``manage.py migrate`` and ``manage.py collectstatic``. It checks what only the built package can
get wrong: that it is the installed copy being used, and that its templates, static files,
migrations, translation catalogs and ``py.typed`` came along. Exits 1, saying what failed.
"""

from __future__ import annotations

import html
import os
import re
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "installed_project.settings")

# Where it comes from is the first thing to know.
import django_microsoft_sso

PACKAGE = Path(django_microsoft_sso.__file__).resolve().parent
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"]).resolve()
LANGUAGES = ("pt_BR", "es", "fr", "de")
BUTTON = re.compile(r'class="sso-login__button sso-login__button--microsoft[^"]*" href="([^"]*)"')
failures: list[str] = []


def check(what: str, test: Callable[[], object]) -> None:
    """Run one check; print it, and remember it when it fails."""
    try:
        outcome = test()
    except Exception as error:  # A failed check, whatever it raised.
        outcome = f"{type(error).__name__}: {error}"
    if outcome is True:
        print(f"  ok: {what}")
    else:
        print(f"  FAILED: {what}: {outcome}")
        failures.append(what)


def installed_from_the_wheel() -> object:
    return PACKAGE.parent == SITE_PACKAGES or f"{PACKAGE} is not in {SITE_PACKAGES}"


def shipped(*paths: str) -> object:
    missing = [path for path in paths if not (PACKAGE / path).is_file()]
    return not missing or f"missing from the installed package: {missing}"


check(f"django_microsoft_sso is the installed copy ({PACKAGE})", installed_from_the_wheel)
if failures:
    sys.exit("the source tree, not the wheel, would be tested")
check("py.typed ships", lambda: shipped("py.typed"))
check(
    "translation catalogs ship, compiled",
    lambda: shipped(*(f"locale/{lang}/LC_MESSAGES/django.mo" for lang in LANGUAGES)),
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.loader import MigrationLoader  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import translation  # noqa: E402

from django_microsoft_sso.models import MicrosoftSSOUser  # noqa: E402
from django_microsoft_sso.testing import DEFAULT_TENANT_ID, FakeMicrosoft  # noqa: E402

setup_test_environment()


def migrations_applied() -> object:
    loader = MigrationLoader(connection)
    ours = sorted(name for app, name in loader.disk_migrations if app == "django_microsoft_sso")
    applied = sorted(
        name for app, name in loader.applied_migrations if app == "django_microsoft_sso"
    )
    if len(ours) < 3 or ours != applied:
        return f"on disk {ours}, applied {applied}"
    return "microsoft_sso_user" in connection.introspection.table_names() or "no table"


def collected(*paths: str) -> object:
    missing = [path for path in paths if not (Path(settings.STATIC_ROOT) / path).is_file()]
    return not missing or f"collectstatic did not collect {missing}"


check("migrate applied every migration (microsoft_sso_user exists)", migrations_applied)
check(
    "collectstatic found the stylesheet and the logo",
    lambda: collected(
        "django_microsoft_sso/microsoft_button.css", "django_microsoft_sso/microsoft_logo.svg"
    ),
)


def admin_login_page(client: Client) -> str:
    response = client.get("/admin/login/", {"next": "/private/"})
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def button_on_the_admin_login_page() -> object:
    page = admin_login_page(Client())
    if not BUTTON.search(page):
        return "no Microsoft button: the template is missing"
    if 'src="/static/django_microsoft_sso/microsoft_logo.svg"' not in page:
        return "no logo"
    return "Sign in with Microsoft" in page or "no text"


def full_sign_in() -> object:
    client = Client()
    [start_url] = BUTTON.findall(admin_login_page(client))
    with FakeMicrosoft() as microsoft:
        ada = microsoft.add_user(
            "ada@contoso.com", mail="ada@contoso.com", given_name="Ada", surname="Lovelace"
        )
        callback = microsoft.login(client, ada, start_url=html.unescape(start_url))
    if (callback.status_code, callback.get("Location")) != (302, "/private/"):
        return f"callback answered {callback.status_code} {callback.get('Location')}"
    page = client.get("/private/")
    if page.content != b"private page of ada@contoso.com":
        return f"/private/ answered {page.status_code} {page.content[:80]!r}"
    user = get_user_model().objects.get(username="ada@contoso.com")
    identity = MicrosoftSSOUser.objects.get(user=user)
    return (user.first_name, user.last_name, identity.tenant_id) == (
        "Ada",
        "Lovelace",
        DEFAULT_TENANT_ID,
    ) or f"user row {user.first_name!r} {user.last_name!r}, tenant {identity.tenant_id!r}"


def message_in_portuguese() -> object:
    english = "The sign-in with Microsoft was cancelled."
    with translation.override("pt-br"):
        portuguese = translation.gettext(english)
        button = translation.gettext("Sign in with Microsoft")
    if portuguese == english:
        return "the pt_BR catalog does not translate it"
    client = Client(HTTP_ACCEPT_LANGUAGE="pt-BR")
    [start_url] = BUTTON.findall(admin_login_page(client))
    with FakeMicrosoft() as microsoft:
        start = client.get(html.unescape(start_url))
        answer = microsoft.deny(start["Location"]).send(client)
    page = client.get(answer["Location"]).content.decode()
    if portuguese not in page:
        return f"the login page does not say {portuguese!r}"
    return button in page or f"the button does not say {button!r}"


check("the admin login page shows the button, with its logo", button_on_the_admin_login_page)
check("a full sign-in through the fake Microsoft lands on next, signed in", full_sign_in)
check("a failure message and the button render in Portuguese (pt-BR)", message_in_portuguese)


def api_integrations_import() -> object:
    """Both integrations load from the wheel beside the drf and ninja extras it was given."""
    from django_microsoft_sso import ninja, rest_framework

    modules = [Path(module.__file__ or "").resolve().parent for module in (ninja, rest_framework)]
    if any(module != PACKAGE for module in modules):
        return f"imported from {modules}, not {PACKAGE}"
    return bool(rest_framework.MicrosoftTokenAuthentication and ninja.MicrosoftBearer)


check(
    "the DRF and django-ninja integrations import (drf and ninja extras)", api_integrations_import
)

if failures:
    sys.exit(f"{len(failures)} check(s) of the installed package failed")
print(f"the installed package works ({PACKAGE})")
