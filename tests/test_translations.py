"""Messages reach people in their own language, and every catalog we ship is complete."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import httpx
import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation
from django.utils.translation.template import templatize

import django_microsoft_sso

PACKAGE = Path(django_microsoft_sso.__file__).parent
LOCALE = PACKAGE / "locale"
LANGUAGES = {"pt_BR", "es", "fr", "de"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop"}
TEMPLATE_CALL = re.compile(r"""\b(?:gettext|_)\((u?'(?:[^'\\]|\\.)*'|u?"(?:[^"\\]|\\.)*")\)""")


@pytest.fixture
def with_locale_middleware(settings):
    """The project picks each request's language from the browser (Accept-Language, cookie)."""
    middleware = list(settings.MIDDLEWARE)
    sessions = middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
    middleware.insert(sessions + 1, "django.middleware.locale.LocaleMiddleware")
    settings.MIDDLEWARE = middleware
    yield
    # LocaleMiddleware activates each request's language in this thread and leaves it there.
    translation.deactivate()


def login_page(client, response):
    """Follow the failed sign-in to the login page and return the page's text."""
    assert response.status_code == 302
    assert response.url == "/admin/login/"
    page = client.get(response.url)
    assert page.status_code == 200
    return page.content.decode()


# -- messages through the views ---------------------------------------------------------------

REFUSED_DOMAIN = {
    "de": "E-Mail-Adresse nicht zugelassen: mallory@fabrikam.com. "
    "Bitte wenden Sie sich an Ihren Administrator.",
    "pt-BR": "Endereço de e-mail não permitido: mallory@fabrikam.com. "
    "Entre em contato com o administrador.",
    "es": "Dirección de correo electrónico no permitida: mallory@fabrikam.com. "
    "Póngase en contacto con su administrador.",
    "fr": "Adresse e-mail non autorisée\u00a0: mallory@fabrikam.com. "
    "Veuillez contacter votre administrateur.",
    "en": "Email address not allowed: mallory@fabrikam.com. Please contact your administrator.",
}


@pytest.mark.django_db
@pytest.mark.parametrize(("accept_language", "expected"), REFUSED_DOMAIN.items())
def test_refused_sign_in_is_explained_in_the_browsers_language(
    microsoft, with_locale_middleware, django_user_model, accept_language, expected
):
    browser = Client(headers={"Accept-Language": accept_language})
    mallory = microsoft.add_user("mallory@fabrikam.com", mail="mallory@fabrikam.com")

    response = microsoft.login(browser, mallory)

    assert expected in login_page(browser, response)
    assert not django_user_model.objects.exists()


@pytest.mark.django_db
def test_cancelled_sign_in_follows_the_language_cookie(client, microsoft, with_locale_middleware):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "pt-br"
    start = client.get("/microsoft_sso/login/")

    response = microsoft.deny(start.url).send(client)

    assert "O login com a Microsoft foi cancelado." in login_page(client, response)


@pytest.mark.django_db
def test_translation_override_around_a_request_translates_the_message(client, microsoft):
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
    start = client.get("/microsoft_sso/login/")
    answer = microsoft.sign_in(start.url, alice)
    microsoft.fail("token", httpx.ConnectTimeout)

    with translation.override("fr"):
        response = answer.send(client)

    assert "Impossible de joindre Microsoft. Veuillez réessayer dans un instant." in login_page(
        client, response
    )


@pytest.mark.django_db
def test_admin_button_speaks_the_browsers_language(with_locale_middleware):
    browser = Client(headers={"Accept-Language": "de"})

    page = browser.get("/admin/login/").content.decode()

    assert "Mit Microsoft anmelden" in page
    assert "Sign in with Microsoft" not in page


@pytest.mark.django_db
def test_a_button_text_of_the_project_is_shown_as_written(with_locale_middleware, settings):
    settings.MICROSOFT_SSO_TEXT = "Sign in with your Contoso account"
    browser = Client(headers={"Accept-Language": "de"})

    page = browser.get("/admin/login/").content.decode()

    assert "Sign in with your Contoso account" in page


# -- the catalogs --------------------------------------------------------------------------------


def read_po(path: Path) -> list[dict[str, object]]:
    """The entries of a .po file: msgid, msgstr and flags (enough for our simple catalogs)."""
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    key = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, None
        elif line.startswith("#,"):
            entry["flags"] = {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert key is not None, f"{path}: continuation without a keyword: {line}"
            entry[key] = str(entry[key]) + ast.literal_eval(line)
        else:
            key, _, literal = line.partition(" ")
            entry[key] = ast.literal_eval(literal)
    return entries


def catalog(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def messages_in_source() -> set[str]:
    """Every literal msgid the package marks for translation, in Python and in templates."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in GETTEXT_NAMES
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    for path in (PACKAGE / "templates").rglob("*.html"):
        code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        found |= {ast.literal_eval(literal) for literal in TEMPLATE_CALL.findall(code)}
    return found


def test_the_four_languages_are_shipped():
    shipped = {path.name for path in LOCALE.iterdir() if path.is_dir()}
    assert shipped == LANGUAGES
    for language in LANGUAGES:
        assert catalog(language).is_file()
        assert catalog(language).with_suffix(".mo").is_file()


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_message_is_translated_and_none_is_fuzzy(language):
    entries = read_po(catalog(language))
    header, messages = entries[0], entries[1:]

    assert header["msgid"] == ""
    assert f"Language: {language}\n" in str(header["msgstr"])
    assert "fuzzy" not in header.get("flags", set())
    assert messages
    for entry in messages:
        assert entry["msgstr"], f"untranslated: {entry['msgid']!r}"
        assert "fuzzy" not in entry.get("flags", set()), f"fuzzy: {entry['msgid']!r}"
        assert sorted(PLACEHOLDER.findall(str(entry["msgstr"]))) == sorted(
            PLACEHOLDER.findall(str(entry["msgid"]))
        ), f"placeholders differ: {entry['msgid']!r}"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_message_of_the_package_is_in_the_catalog(language):
    in_catalog = {entry["msgid"] for entry in read_po(catalog(language))}

    missing = messages_in_source() - in_catalog
    assert not missing, f"run makemessages and translate: {sorted(missing)}"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_compiled_catalog_matches_the_po_file(language):
    """The .mo in the wheel is what the .po says: CI never needs gettext to compile it."""
    with catalog(language).with_suffix(".mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)

    for entry in read_po(catalog(language))[1:]:
        assert translations.gettext(str(entry["msgid"])) == entry["msgstr"]
