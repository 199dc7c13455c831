"""A project that points sign-ins at the Microsoft emulator with DEBUG off (a mistake)."""

from tests.project.settings import *  # noqa: F403

DEBUG = False
MICROSOFT_SSO_HTTP_TRANSPORT = "django_microsoft_sso.testing.emulator.transport"
