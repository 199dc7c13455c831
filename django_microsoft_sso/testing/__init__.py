"""A fake Microsoft for tests: the package's own, and any project's.

``FakeMicrosoft`` answers what the real one would, over httpx, with Microsoft's field names and
error shapes: msal's discovery, the authorize step (you choose who signs in), the token endpoint
(real RS256 id_tokens, PKCE checked, codes that redeem once), the signing keys, and Graph
(``/me``, the photo, ``$batch``). Nothing leaves the process: while it is active every httpx
request goes to it (through respx), and a request to any other host fails loudly.

    from django_microsoft_sso.testing import FakeMicrosoft

    with FakeMicrosoft() as microsoft:
        alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
        response = microsoft.login(client, alice)      # a Django test client
        assert response.url == "/admin/"

With pytest-django the ``microsoft`` and ``microsoft_user`` fixtures give you one (see
``pytest_plugin``); with Django's ``TestCase``, ``FakeMicrosoftMixin`` or ``fake_microsoft()``.

Install with ``pip install django-microsoft-sso[testing]`` (it brings respx).

Its parts: ``directory`` (people, groups, tenants), ``signin`` (the browser at the authorize
step), ``signing`` (discovery, keys, id_tokens), ``tokens`` (the token endpoint), ``graph``,
``faults`` (injected failures, the record of calls), ``wire`` (error shapes); ``fake`` puts them
together as ``FakeMicrosoft``, and ``emulator`` serves one over HTTP.
"""

from django_microsoft_sso.testing.directory import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT_ID,
    OTHER_TENANT_ID,
    PERSONAL_ACCOUNTS_TENANT_ID,
    TINY_PNG,
    MicrosoftUser,
)
from django_microsoft_sso.testing.fake import FakeMicrosoft, FakeMicrosoftMixin, fake_microsoft
from django_microsoft_sso.testing.signin import AuthorizationAnswer
from django_microsoft_sso.testing.signing import default_signing_key, key_id
from django_microsoft_sso.testing.wire import FakeMicrosoftError

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_TENANT_ID",
    "OTHER_TENANT_ID",
    "PERSONAL_ACCOUNTS_TENANT_ID",
    "TINY_PNG",
    "AuthorizationAnswer",
    "FakeMicrosoft",
    "FakeMicrosoftError",
    "FakeMicrosoftMixin",
    "MicrosoftUser",
    "default_signing_key",
    "fake_microsoft",
    "key_id",
]
