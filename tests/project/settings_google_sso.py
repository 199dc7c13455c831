"""The test settings with django-google-sso 10.x installed beside this package (tox -e google-sso).

Both providers are on, with the least configuration django-google-sso needs. The tests in
``tests/interop`` swap the two apps in ``INSTALLED_APPS`` to check the order of the buttons.
"""

from tests.project.settings import *  # noqa: F403
from tests.project.settings import INSTALLED_APPS

INSTALLED_APPS = [
    "django_microsoft_sso",
    "django_google_sso",
    *(app for app in INSTALLED_APPS if app != "django_microsoft_sso"),
]
ROOT_URLCONF = "tests.project.urls_google_sso"

GOOGLE_SSO_CLIENT_ID = "google-client-id.apps.googleusercontent.com"
GOOGLE_SSO_PROJECT_ID = "tests-project"
GOOGLE_SSO_CLIENT_SECRET = "google-client-secret-value"
GOOGLE_SSO_ALLOWABLE_DOMAINS = ["contoso.com"]
