"""The example project as the load and concurrency tests serve it under gunicorn: signed in
through the Microsoft emulator, for contoso.com. Each settings module of theirs adds its database
and cache.

A test's settings, never a deployment's: DEBUG is on because the emulator signs anyone in as
anyone and refuses to serve a project without DEBUG (``django_microsoft_sso.E010``).
"""

from django_microsoft_sso.testing import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT_ID,
)
from example_project.settings import *  # noqa: F403

DEBUG = True
EXAMPLE_USES_EMULATOR = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

MICROSOFT_SSO_APPLICATION_ID = DEFAULT_CLIENT_ID
MICROSOFT_SSO_CLIENT_SECRET = DEFAULT_CLIENT_SECRET
MICROSOFT_SSO_AUTHORITY = f"https://login.microsoftonline.com/{DEFAULT_TENANT_ID}"
MICROSOFT_SSO_ALLOWED_TENANTS = None
MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["contoso.com"]
MICROSOFT_SSO_STAFF_LIST = []
MICROSOFT_SSO_SUPERUSER_LIST = []
MICROSOFT_SSO_SLO_ENABLED = False
MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = False
MICROSOFT_SSO_HTTP_TRANSPORT = "django_microsoft_sso.testing.emulator.transport"
MICROSOFT_SSO_ENABLE_LOGS = True
SILENCED_SYSTEM_CHECKS = []
