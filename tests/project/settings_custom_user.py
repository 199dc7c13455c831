"""The test settings with a custom user model (e-mail as the username, a ``job_title`` field).

Run with ``pytest --ds=tests.project.settings_custom_user tests/test_custom_user.py``
(``tox -e custom-user``).
"""

from tests.project.settings import *  # noqa: F403
from tests.project.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.project.custom_user"]
AUTH_USER_MODEL = "custom_user.User"
