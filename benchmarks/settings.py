"""The example project as the benchmark serves it: through the Microsoft emulator, under gunicorn.

Everything else is the example's own settings. The emulator signs anyone in as anyone, so it
runs only with DEBUG on (``django_microsoft_sso.E010``); the benchmark's figures include what
DEBUG costs (Django records every query).

| variable                    | meaning                                                      |
|-----------------------------|--------------------------------------------------------------|
| BENCHMARK_DATABASE          | the SQLite file (the benchmark makes a new one for each run) |
| BENCHMARK_CACHE_DIRECTORY   | the file cache the server processes share                    |
| MICROSOFT_SSO_EMULATOR_URL  | where the package's HTTP client reaches the emulator         |
"""

import os

import django

from django_microsoft_sso.testing import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT_ID,
)
from example_project.settings import *  # noqa: F403
from example_project.settings import MIDDLEWARE

DEBUG = True
EXAMPLE_USES_EMULATOR = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# Answers say how many database queries they made (benchmarks/middleware.py).
MIDDLEWARE = ["benchmarks.middleware.count_queries", *MIDDLEWARE]

_sqlite_options: dict[str, object] = {"timeout": 30}
if django.VERSION >= (5, 1):
    # Four processes write at once: take the write lock when a transaction begins (no deadlock
    # between two readers that both want to write), and let readers run beside the writer.
    _sqlite_options["transaction_mode"] = "IMMEDIATE"
    _sqlite_options["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["BENCHMARK_DATABASE"],
        "OPTIONS": _sqlite_options,
    }
}
# Shared by the gunicorn workers, as Redis or Memcached would be: tenant metadata and signing
# keys fetched by one worker serve the others.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ["BENCHMARK_CACHE_DIRECTORY"],
    }
}

MICROSOFT_SSO_APPLICATION_ID = DEFAULT_CLIENT_ID
MICROSOFT_SSO_CLIENT_SECRET = DEFAULT_CLIENT_SECRET
MICROSOFT_SSO_AUTHORITY = f"https://login.microsoftonline.com/{DEFAULT_TENANT_ID}"
MICROSOFT_SSO_ALLOWED_TENANTS = None
MICROSOFT_SSO_ALLOWABLE_DOMAINS = ["contoso.com"]
MICROSOFT_SSO_SUPERUSER_LIST = []
MICROSOFT_SSO_SLO_ENABLED = False
MICROSOFT_SSO_HTTP_TRANSPORT = "django_microsoft_sso.testing.emulator.transport"
MICROSOFT_SSO_ENABLE_LOGS = False
SILENCED_SYSTEM_CHECKS = []
