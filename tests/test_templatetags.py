"""``{% include "microsoft_sso/login_sso.html" %}`` on any page, and the ``microsoft_sso`` tags."""

import html
import re
from pathlib import Path

import pytest
from django.template import Context, RequestContext, Template, TemplateSyntaxError
from django.test import RequestFactory

from django_microsoft_sso.helpers import is_admin_path, is_page_path

pytestmark = pytest.mark.django_db

BUTTON = re.compile(r'<a class="sso-login__button sso-login__button--(\w+)[^"]*" href="([^"]*)"')
SIBLING_PACKAGES = Path(__file__).parent / "project" / "sibling_packages"


def text(response):
    """The page as the browser gets it."""
    return response.content.decode()


def buttons(text):
    return [(name, html.unescape(href)) for name, href in BUTTON.findall(text)]


def test_include_shows_the_button_with_the_pages_next(client):
    response = client.get("/sign-in/", {"next": "/private/?tab=1&sort=name"})

    assert response.status_code == 200
    assert buttons(text(response)) == [
        ("microsoft", "/microsoft_sso/login/?next=%2Fprivate%2F%3Ftab%3D1%26sort%3Dname")
    ]
    assert "Sign in with Microsoft" in text(response)
    assert 'src="/static/django_microsoft_sso/microsoft_logo.svg"' in text(response)
    assert '<link rel="stylesheet" href="/static/django_microsoft_sso/microsoft_button.css"' in (
        text(response)
    )


def test_include_takes_next_from_the_views_context(client):
    response = client.get("/sign-in/to-private/")

    assert buttons(text(response)) == [
        ("microsoft", "/microsoft_sso/login/?next=%2Fprivate%2F%3Ftab%3D2")
    ]


def test_include_without_next_leaves_it_to_the_next_url_setting(client):
    response = client.get("/sign-in/")

    assert buttons(text(response)) == [("microsoft", "/microsoft_sso/login/")]


def test_include_has_no_script_and_nothing_from_another_site(client):
    response = client.get("/sign-in/", {"next": "/private/"})

    assert "<script" not in text(response)
    assert "jquery" not in text(response).lower()
    assert not re.search(r'(src|href)="(https?:)?//', text(response))


def test_included_button_signs_in_and_lands_on_next(client, microsoft):
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
    [(_, start_url)] = buttons(text(client.get("/sign-in/", {"next": "/private/?tab=1"})))

    response = microsoft.login(client, alice, start_url=start_url)

    assert response.status_code == 302
    assert response["Location"] == "/private/?tab=1"
    assert text(client.get("/private/?tab=1")) == "private page of alice@contoso.com"


@pytest.mark.parametrize(
    ("switches", "shown"),
    [
        ({}, True),
        ({"MICROSOFT_SSO_ENABLED": False}, False),
        ({"MICROSOFT_SSO_PAGES_ENABLED": False}, False),
        ({"MICROSOFT_SSO_PAGES_ENABLED": True, "MICROSOFT_SSO_ENABLED": False}, False),
        ({"MICROSOFT_SSO_ADMIN_ENABLED": False}, True),
        ({"MICROSOFT_SSO_PAGES_ENABLED": lambda request: "tab" in request.GET}, True),
        ({"MICROSOFT_SSO_PAGES_ENABLED": lambda request: "other" in request.GET}, False),
        ({"MICROSOFT_SSO_PAGES_ENABLED": is_page_path}, True),
        ({"MICROSOFT_SSO_PAGES_ENABLED": is_admin_path}, False),
        ({"MICROSOFT_SSO_ENABLED": is_admin_path}, False),
    ],
)
def test_include_switches(client, settings, switches, shown):
    for name, value in switches.items():
        setattr(settings, name, value)

    response = client.get("/sign-in/", {"tab": "1"})

    assert response.status_code == 200
    assert ("Sign in with Microsoft" in text(response)) is shown
    assert ("microsoft_button.css" in text(response)) is shown


def test_include_shows_every_providers_button_as_7x_did(client, settings, monkeypatch):
    monkeypatch.syspath_prepend(str(SIBLING_PACKAGES))
    settings.ROOT_URLCONF = "tests.project.urls_with_sibling"
    settings.INSTALLED_APPS = ["django_acme_sso", *settings.INSTALLED_APPS]

    response = client.get("/sign-in/")

    assert [name for name, _ in buttons(text(response))] == ["acme", "microsoft"]
    assert "/static/django_acme_sso/acme_button.css" in text(response)


def test_include_uses_the_text_setting(client, settings):
    settings.MICROSOFT_SSO_TEXT = "Use your Contoso account"

    assert "Use your Contoso account" in text(client.get("/sign-in/"))


# -- the tags on their own ----------------------------------------------------------------------


def render(source, context):
    return Template("{% load microsoft_sso %}" + source).render(context)


def test_sso_providers_needs_a_request_in_the_context():
    # Without the request context processor, settings that are callables cannot be decided.
    output = render('{% sso_providers "pages" as providers %}{{ providers|length }}', Context({}))

    assert output == "0"


def test_sso_providers_rejects_an_unknown_area():
    request = RequestFactory().get("/")

    with pytest.raises(TemplateSyntaxError, match='"admin" or "pages"'):
        render('{% sso_providers "everywhere" as providers %}', RequestContext(request))


def test_sso_providers_for_the_admin_area_follows_admin_enabled(settings):
    settings.MICROSOFT_SSO_PAGES_ENABLED = False
    request = RequestFactory().get("/", {"next": "/admin/"})
    source = (
        '{% sso_providers "admin" as providers %}'
        "{% for p in providers %}{{ p.name }} {{ p.login_url }}{% endfor %}"
    )

    assert (
        render(source, RequestContext(request))
        == "microsoft /microsoft_sso/login/?next=%2Fadmin%2F"
    )


def test_nonce_attribute_when_the_page_has_a_csp_nonce():
    request = RequestFactory().get("/")

    with_nonce = render(
        "<link {% sso_nonce_attr %}>", RequestContext(request, {"csp_nonce": "n0nce"})
    )
    without = render("<link {% sso_nonce_attr %}>", RequestContext(request))

    assert with_nonce == '<link nonce="n0nce">'
    assert without == "<link >"
