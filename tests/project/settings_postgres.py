"""The test settings on the real servers: PostgreSQL for the database, Redis for the cache, and
sessions in the cache backed by the database (``cached_db``).

Run with ``pytest --ds=tests.project.settings_postgres tests/security`` (``tox -e services``).
The servers must be running; nothing here starts them, and a server that cannot be reached fails
the run.

| variable                 | meaning                                   | default                     |
|--------------------------|-------------------------------------------|-----------------------------|
| SSO_TEST_POSTGRES_HOST   | PostgreSQL host                           | 127.0.0.1                   |
| SSO_TEST_POSTGRES_PORT   | PostgreSQL port                           | 5432                        |
| SSO_TEST_POSTGRES_USER   | role (trust authentication, no password)  | postgres                    |
| SSO_TEST_POSTGRES_DB     | database to connect to; tests run in      | test                        |
|                          | ``test_sso_<that name>``, made and dropped |                             |
| SSO_TEST_REDIS_URL       | Redis database for the cache              | redis://127.0.0.1:6379/13   |
"""

import os

from tests.project.settings import *  # noqa: F403

_database = os.environ.get("SSO_TEST_POSTGRES_DB", "test")

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("SSO_TEST_POSTGRES_HOST", "127.0.0.1"),
        "PORT": os.environ.get("SSO_TEST_POSTGRES_PORT", "5432"),
        "USER": os.environ.get("SSO_TEST_POSTGRES_USER", "postgres"),
        "NAME": _database,
        # Its own name, so that a test database of another project on this server is never hit.
        "TEST": {"NAME": f"test_sso_{_database}"},
        "CONN_MAX_AGE": 0,
    }
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("SSO_TEST_REDIS_URL", "redis://127.0.0.1:6379/13"),
        "KEY_PREFIX": "sso-tests",
        "TIMEOUT": 600,
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
