"""Sign in with Microsoft for Django."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest

__version__ = "8.0.0"


def get_access_token(request: HttpRequest) -> str | None:
    """A valid Microsoft Graph access token of the signed-in person, refreshed when needed, or None.

    Needs ``MICROSOFT_SSO_SAVE_ACCESS_TOKEN``; see ``django_microsoft_sso.sessions``.
    """
    from django_microsoft_sso.sessions import get_access_token as get

    return get(request)


async def aget_access_token(request: HttpRequest) -> str | None:
    """``get_access_token`` for async views: the blocking work runs off the event loop."""
    from django_microsoft_sso.sessions import aget_access_token as aget

    return await aget(request)
