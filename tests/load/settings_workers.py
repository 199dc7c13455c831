"""The example project under gunicorn on the database a concurrency test hands it: its test
database on PostgreSQL, or a SQLite file with the transaction mode under test.

| variable                    | meaning                                                    |
|-----------------------------|------------------------------------------------------------|
| SSO_WORKERS_DATABASE        | the ``DATABASES["default"]`` entry, as JSON                 |
| MICROSOFT_SSO_EMULATOR_URL  | where the package's HTTP client reaches the emulator        |
"""

import json
import os

from tests.load.settings_emulated import *  # noqa: F403

DATABASES = {"default": json.loads(os.environ["SSO_WORKERS_DATABASE"])}
# Each process keeps its own copy of the tenant metadata and keys; the pending sign-in waits in
# the session (in the database), so whichever worker gets the callback finds it.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
