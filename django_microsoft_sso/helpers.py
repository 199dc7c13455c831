"""Functions of the request, ready to use as ``MICROSOFT_SSO_ADMIN_ENABLED`` / ``…_PAGES_ENABLED``.

```python
from django_microsoft_sso.helpers import is_admin_path

MICROSOFT_SSO_ENABLED = is_admin_path  # sign-in with Microsoft for the admin only
```

Each tells where a request leads: the page itself, or, for the start of a sign-in, the ``next``
page the person lands on afterwards. The package's other views (the callback, sign-out) count as
both: where a sign-in leads was checked when it started, and the callback checks it once more
against the ``next`` stored then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest

    from django_microsoft_sso.flow import LoginFlow

_APP_NAME = "django_microsoft_sso"


def _flow(request: HttpRequest) -> LoginFlow:
    # Imported here: a settings module imports this one before the app registry is ready.
    from django_microsoft_sso.flow import LoginFlow

    return LoginFlow(request)


def _target(request: HttpRequest) -> str | None:
    """The path the request leads to; None for our views that serve the admin and pages alike."""
    match = request.resolver_match
    if match is None or _APP_NAME not in match.app_names:
        return request.path
    if match.url_name == "oauth_start_login":
        return _flow(request).safe_next(request.GET.get("next"))
    return None


def is_admin_path(request: HttpRequest) -> bool:
    """Whether the request is for the admin, or starts a sign-in that lands in the admin."""
    target = _target(request)
    return target is None or _flow(request).is_admin_url(target)


def is_page_path(request: HttpRequest) -> bool:
    """Whether the request is for a page outside the admin, or starts a sign-in that lands there."""
    target = _target(request)
    return target is None or not _flow(request).is_admin_url(target)
