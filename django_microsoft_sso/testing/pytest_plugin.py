"""pytest fixtures of django-microsoft-sso, loaded automatically when pytest-django is in use.

``microsoft``: a running ``FakeMicrosoft`` whose credentials the project's settings already use.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from django_microsoft_sso.testing import FakeMicrosoft


@pytest.fixture
def microsoft(settings: Any) -> Iterator[FakeMicrosoft]:
    """A fake Microsoft, with ``MICROSOFT_SSO_APPLICATION_ID`` and ``…_CLIENT_SECRET`` set to match."""
    fake = FakeMicrosoft()
    settings.MICROSOFT_SSO_APPLICATION_ID = fake.client_id
    settings.MICROSOFT_SSO_CLIENT_SECRET = fake.client_secret
    with fake:
        yield fake
