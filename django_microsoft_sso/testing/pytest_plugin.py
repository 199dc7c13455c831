"""pytest fixtures of django-microsoft-sso, loaded automatically when pytest-django is in use.

``microsoft``: a running ``FakeMicrosoft`` whose credentials the project's settings already use.
``microsoft_user``: makes a person of that fake whom the project's settings let sign in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from django_microsoft_sso.testing import FakeMicrosoft, MicrosoftUser


@pytest.fixture
def microsoft(settings: Any) -> Iterator[FakeMicrosoft]:
    """A fake Microsoft, with ``MICROSOFT_SSO_APPLICATION_ID`` and ``…_CLIENT_SECRET`` set to match.

    ``MICROSOFT_SSO_HTTP_TRANSPORT`` is unset for the test, so that every request reaches the fake.
    """
    fake = FakeMicrosoft()
    for name, value in fake.project_settings().items():
        setattr(settings, name, value)
    with fake:
        yield fake


@pytest.fixture
def microsoft_user(microsoft: FakeMicrosoft) -> Callable[..., MicrosoftUser]:
    """``microsoft_user(upn=None, **fields)``: a person whom the project's settings let sign in.

    The tenant, the domain of the user principal name and ``mail`` follow the settings at the
    time of the call, unless given (see ``FakeMicrosoft.add_project_user``).
    """

    def make(user_principal_name: str | None = None, **fields: Any) -> MicrosoftUser:
        return microsoft.add_project_user(user_principal_name, **fields)

    return make
