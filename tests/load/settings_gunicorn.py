"""The example project as the load test serves it under gunicorn: PostgreSQL, sessions and
form_post state in Redis, sign-ins through the Microsoft emulator.

A test's settings, never a deployment's: DEBUG is on because the emulator signs anyone in as
anyone and refuses to serve a project without DEBUG (``django_microsoft_sso.E010``).

| variable                    | meaning                                                    |
|-----------------------------|------------------------------------------------------------|
| SSO_LOAD_DATABASE           | the PostgreSQL database (the test's own test database)     |
| SSO_LOAD_REDIS_URL          | the Redis database of the cache and the sessions            |
| SSO_LOAD_CACHE_PREFIX       | a key prefix of this run's own                              |
| MICROSOFT_SSO_EMULATOR_URL  | where the package's HTTP client reaches the emulator        |
"""

import os

from django_microsoft_sso.testing import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT_ID,
)
from example_project.settings import *  # noqa: F403
from tests.settings_postgres import DATABASES as TEST_DATABASES

DEBUG = True
EXAMPLE_USES_EMULATOR = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

DATABASES = {
    "default": {
        **TEST_DATABASES["default"],
        "NAME": os.environ["SSO_LOAD_DATABASE"],
        "TEST": {},
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["SSO_LOAD_REDIS_URL"],
        "KEY_PREFIX": os.environ["SSO_LOAD_CACHE_PREFIX"],
        "TIMEOUT": 600,
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"

MICROSOFT_SSO_APPLICATION_ID = DEFAULT_CLIENT_ID
MICROSOFT_SSO_CLIENT_SECRET = DEFAULT_CLIENT_SECRET
MICROSOFT_SSO_AUTHORITY = f"https://login.microsoftonline.com/{DEFAULT_TENANT_ID}"
MICROSOFT_SSO_ALLOWED_TENANTS = None
MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["contoso.com"]
MICROSOFT_SSO_STAFF_LIST = []
MICROSOFT_SSO_SUPERUSER_LIST = []
MICROSOFT_SSO_SLO_ENABLED = False
# Microsoft POSTs its answer (form_post): the pending sign-in waits in Redis under its state, and
# whichever worker gets the callback finds it there.
MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
MICROSOFT_SSO_HTTP_TRANSPORT = "django_microsoft_sso.testing.emulator.transport"
MICROSOFT_SSO_ENABLE_LOGS = True
SILENCED_SYSTEM_CHECKS = []
