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
from django_microsoft_sso.testing.directory import GRAPH_HOST as GRAPH_HOST
from django_microsoft_sso.testing.directory import LOGIN_HOST as LOGIN_HOST
from django_microsoft_sso.testing.directory import MULTI_TENANT as MULTI_TENANT
from django_microsoft_sso.testing.directory import (
    PERSONAL_OBJECT_ID_PREFIX as PERSONAL_OBJECT_ID_PREFIX,
)
from django_microsoft_sso.testing.directory import new_object_id as new_object_id
from django_microsoft_sso.testing.fake import FakeMicrosoft, FakeMicrosoftMixin, fake_microsoft
from django_microsoft_sso.testing.faults import Outcome as Outcome
from django_microsoft_sso.testing.graph import PHOTO_SIZES as PHOTO_SIZES
from django_microsoft_sso.testing.signin import CODE_LIFETIME as CODE_LIFETIME
from django_microsoft_sso.testing.signin import AuthorizationAnswer
from django_microsoft_sso.testing.signing import default_signing_key, key_id
from django_microsoft_sso.testing.tokens import JWT_BEARER as JWT_BEARER
from django_microsoft_sso.testing.wire import FakeMicrosoftError

# The names imported ``as`` themselves were importable from here before the fake was split into
# modules, and stay so; they are not part of the documented API.
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
