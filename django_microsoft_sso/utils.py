"""7.x's ``django_microsoft_sso.utils``: the button tags for async views (``how.md``).

```python
from django_microsoft_sso.utils import adefine_show_form, adefine_sso_providers

context = {
    "show_admin_form": await adefine_show_form(request),
    "sso_providers": await adefine_sso_providers(request),
}
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async

if TYPE_CHECKING:
    from django.http import HttpRequest


async def adefine_sso_providers(request: HttpRequest) -> list[dict[str, Any]]:
    """``define_sso_providers`` for this request, from an async view."""
    from django_microsoft_sso.providers import buttons_as_7x_dicts

    return await sync_to_async(buttons_as_7x_dicts)({"request": request})


async def adefine_show_form(request: HttpRequest) -> bool:
    """``define_show_form`` for this request, from an async view."""
    from django_microsoft_sso.templatetags.show_form import define_show_form

    return await sync_to_async(define_show_form)({"request": request})
