"""The served example project in form_post mode: Microsoft POSTs its answer to the callback."""

from tests.project.settings_example import *  # noqa: F403

MICROSOFT_SSO_REQUIRE_SECURE_CALLBACK = True
