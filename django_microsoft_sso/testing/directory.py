"""The fake's directory: its tenants and people, and the settings that point a project at it."""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from django_microsoft_sso import conf, discovery, tenants

DEFAULT_TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT_ID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
PERSONAL_ACCOUNTS_TENANT_ID = tenants.PERSONAL_ACCOUNTS_TENANT_ID
DEFAULT_CLIENT_ID = "11111111-2222-3333-4444-555555555555"
DEFAULT_CLIENT_SECRET = "fake-client-secret-value"
LOGIN_HOST = "login.microsoftonline.com"
GRAPH_HOST = "graph.microsoft.com"
PHOTO_SIZES = frozenset(f"{n}x{n}" for n in (48, 64, 96, 120, 240, 360, 432, 504, 648))
MULTI_TENANT = frozenset({"common", "organizations"})

# The smallest valid PNG (1x1 pixel): a picture for demo and test people.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


# Personal Microsoft accounts are shaped unlike work accounts. Their ``oid`` is
# ``00000000-0000-0000-`` and 16 hex digits (MSAL's own test data: an ``oid`` of
# ``00000000-0000-0000-66f3-3332eca7ea81`` for the ``9188040d-…`` issuer). Graph's ``/me`` ``id``
# is those 16 digits alone, its ``userPrincipalName`` the address they sign in with, and its
# ``mail`` often null: a real answer for an outlook.com account is ``"id": "fde926f844473904",
# "userPrincipalName": "…@outlook.com", "mail": null`` (github.com/OfficeDev/outlook-dev-docs
# issue 918).
PERSONAL_OBJECT_ID_PREFIX = "00000000-0000-0000-"


def new_object_id(tenant_id: str) -> str:
    """A fresh ``oid`` shaped as Microsoft shapes them in ``tenant_id``."""
    if tenant_id.lower() == PERSONAL_ACCOUNTS_TENANT_ID:
        digits = secrets.token_hex(8)
        return f"{PERSONAL_OBJECT_ID_PREFIX}{digits[:4]}-{digits[4:]}"
    return str(uuid.uuid4())


@dataclass
class MicrosoftUser:
    """A person of the fake Microsoft. ``None`` fields are absent or null, as in Graph.

    ``object_id`` left empty becomes a new one of the tenant's shape (``new_object_id``).
    ``mfa``: how the person answers a step-up (``prompt=login``, or a claims request for an
    authentication context): True completes multi-factor authentication, False cannot (a password
    only). None (the default) completes it too, and gives no ``amr`` to an ordinary sign-in.
    """

    user_principal_name: str
    tenant_id: str = DEFAULT_TENANT_ID
    object_id: str = ""
    mail: str | None = None
    given_name: str | None = None
    surname: str | None = None
    display_name: str | None = None
    preferred_language: str | None = None
    job_title: str | None = None
    photo: bytes | None = None
    groups: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    extra_claims: dict[str, Any] = field(default_factory=dict)
    extra_graph: dict[str, Any] = field(default_factory=dict)
    mfa: bool | None = None
    # Graph's ``accountEnabled``: false once an administrator blocks the person's sign-in.
    account_enabled: bool = True
    # The directory's change counter when the person last changed, for ``/users/delta``.
    changed_version: int = 0

    def __post_init__(self) -> None:
        if not self.object_id:
            self.object_id = new_object_id(self.tenant_id)

    @property
    def graph_id(self) -> str:
        """Graph's ``id``: the ``oid``, but for a personal account its last 16 hex digits."""
        oid = self.object_id.lower()
        if self.tenant_id.lower() == PERSONAL_ACCOUNTS_TENANT_ID and oid.startswith(
            PERSONAL_OBJECT_ID_PREFIX
        ):
            return oid[len(PERSONAL_OBJECT_ID_PREFIX) :].replace("-", "")
        return self.object_id

    def graph_me(self) -> dict[str, Any]:
        """The Graph ``/me`` object, with the default properties Graph returns."""
        return {
            "businessPhones": [],
            "displayName": self.display_name,
            "givenName": self.given_name,
            "jobTitle": self.job_title,
            "mail": self.mail,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": self.preferred_language,
            "surname": self.surname,
            "userPrincipalName": self.user_principal_name,
            "id": self.graph_id,
            **self.extra_graph,
        }


class Directory:
    """The people, groups and tenant domains of a ``FakeMicrosoft``."""

    client_id: str
    client_secret: str
    client_certificate: x509.Certificate | None
    users: list[MicrosoftUser]
    groups: dict[str, str]
    tenant_domains: dict[str, str]
    _people_made: int
    _directory_version: int

    def add_user(self, user_principal_name: str, **fields: Any) -> MicrosoftUser:
        """Add a person who can sign in; ``fields`` are those of ``MicrosoftUser``."""
        user = MicrosoftUser(user_principal_name, **fields)
        self.users.append(user)
        self._directory_version += 1
        user.changed_version = self._directory_version
        return user

    def add_project_user(
        self, user_principal_name: str | None = None, **fields: Any
    ) -> MicrosoftUser:
        """Add a person whom the project's current settings let sign in.

        What is not given follows the settings: the tenant is the one the authority names (for
        ``common`` or ``organizations``, the first of ``MICROSOFT_SSO_ALLOWED_TENANTS``), the
        user principal name is ``person<n>@`` the first of ``MICROSOFT_SSO_ALLOWABLE_DOMAINS``,
        and ``mail`` is the user principal name (null for a personal account, as Graph often
        gives it).
        """
        fields.setdefault("tenant_id", self.project_tenant_id())
        if user_principal_name is None:
            self._people_made += 1
            user_principal_name = f"person{self._people_made}@{project_domain()}"
        personal = str(fields["tenant_id"]).lower() == PERSONAL_ACCOUNTS_TENANT_ID
        fields.setdefault("mail", None if personal else user_principal_name)
        return self.add_user(user_principal_name, **fields)

    def project_tenant_id(self) -> str:
        """The tenant whose people the project's authority admits (``DEFAULT_TENANT_ID`` if any).

        An authority that names a domain this fake does not know makes it a domain of
        ``DEFAULT_TENANT_ID``, so that the fake can answer for it.
        """
        authority = conf.raw("MICROSOFT_SSO_AUTHORITY")
        if not isinstance(authority, str) or not authority:
            authority = discovery.DEFAULT_AUTHORITY
        tenant = tenants.authority_tenant(authority)
        if tenant in MULTI_TENANT:
            allowed = conf.raw("MICROSOFT_SSO_ALLOWED_TENANTS")
            listed = [str(t).lower() for t in allowed] if isinstance(allowed, list | tuple) else []
            return next((t for t in listed if t != "*"), DEFAULT_TENANT_ID)
        tenant_id = self._tenant_id(tenant)
        if tenant_id is None:
            self.tenant_domains[tenant] = tenant_id = DEFAULT_TENANT_ID
        return tenant_id

    def add_group(self, display_name: str, object_id: str | None = None) -> str:
        """Add a group to the directory; return its object id, for ``MicrosoftUser.groups``."""
        group_id = object_id or str(uuid.uuid4())
        self.groups[group_id] = display_name
        return group_id

    def project_settings(self) -> dict[str, Any]:
        """The settings that point a project at this fake: its credentials, no custom transport."""
        if self.client_certificate is not None:
            # The project gives the certificate's key in MICROSOFT_SSO_CERTIFICATE.
            return {
                "MICROSOFT_SSO_APPLICATION_ID": self.client_id,
                "MICROSOFT_SSO_CLIENT_SECRET": None,
                "MICROSOFT_SSO_HTTP_TRANSPORT": None,
            }
        return {
            "MICROSOFT_SSO_APPLICATION_ID": self.client_id,
            "MICROSOFT_SSO_CLIENT_SECRET": self.client_secret,
            "MICROSOFT_SSO_CERTIFICATE": None,
            # A transport the project set (a proxy, the emulator) would take requests past the fake.
            "MICROSOFT_SSO_HTTP_TRANSPORT": None,
        }

    def _tenant_id(self, tenant: str) -> str | None:
        tenant = tenant.lower()
        if tenant == "consumers":
            return PERSONAL_ACCOUNTS_TENANT_ID
        try:
            return str(uuid.UUID(tenant))
        except ValueError:
            return self.tenant_domains.get(tenant)


def project_domain() -> str:
    """A domain the project's ``MICROSOFT_SSO_ALLOWABLE_DOMAINS`` admits (contoso.com if any)."""
    from django_microsoft_sso.domains import domain_patterns

    for pattern in domain_patterns(conf.raw("MICROSOFT_SSO_ALLOWABLE_DOMAINS")):
        if pattern.startswith("*."):
            return "people." + pattern[2:]
        if pattern != "*":
            return pattern
    return "contoso.com"
