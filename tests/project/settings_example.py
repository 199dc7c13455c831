"""The example project as tests serve it for real (``manage.py runserver``, with the demo's
Microsoft emulator), on its own SQLite database: the file named by ``EXAMPLE_TEST_DATABASE``."""

import os

from django.core.exceptions import ImproperlyConfigured

from example_project.settings import *  # noqa: F403

if not os.environ.get("EXAMPLE_TEST_DATABASE"):
    raise ImproperlyConfigured("Set EXAMPLE_TEST_DATABASE to the path of a SQLite file.")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["EXAMPLE_TEST_DATABASE"],
    }
}
