"""The example project as the load test serves it under gunicorn: PostgreSQL, sessions and
form_post state in Redis, sign-ins through the Microsoft emulator.

| variable                    | meaning                                                    |
|-----------------------------|------------------------------------------------------------|
| SSO_LOAD_DATABASE           | the PostgreSQL database (the test's own test database)     |
| SSO_LOAD_REDIS_URL          | the Redis database of the cache and the sessions            |
| SSO_LOAD_CACHE_PREFIX       | a key prefix of this run's own                              |
| MICROSOFT_SSO_EMULATOR_URL  | where the package's HTTP client reaches the emulator        |
"""

import os

from tests.load.settings_emulated import *  # noqa: F403
from tests.project.settings_postgres import DATABASES as TEST_DATABASES

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
# Microsoft POSTs its answer (form_post): the pending sign-in waits in Redis under its state, and
# whichever worker gets the callback finds it there.
MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
