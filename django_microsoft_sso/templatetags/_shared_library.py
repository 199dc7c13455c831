"""Tag libraries whose names other provider apps ship too: ``sso_tags`` and ``show_form``.

7.x and its sibling packages (django-google-sso, django-github-sso) each ship libraries named
``sso_tags`` and ``show_form``, so Django warns (``templates.W003``, ``E003`` before 5.1) when two
of them are installed, and ``{% load sso_tags %}`` loads whichever app comes last. Each sibling's
tags draw every provider's button through the same contract (see ``microsoft_sso``), so one
library of each name is enough: ours offers itself (Django looks for a module's ``register``)
only when no other installed app ships a library of the same name. Then there is one library
per name, no warning, and ``{% load sso_tags %}`` works in any ``INSTALLED_APPS`` order.
"""

from __future__ import annotations

from importlib.util import find_spec

from django import template
from django.apps import apps

OUR_APP = "django_microsoft_sso"


def shipped_by_another_app(library: str) -> bool:
    """Whether an installed app other than this one has ``templatetags/<library>.py``."""
    for app_config in apps.get_app_configs():
        if app_config.name == OUR_APP:
            continue
        try:
            found = find_spec(f"{app_config.name}.templatetags.{library}") is not None
        except (ImportError, ValueError):
            found = False
        if found:
            return True
    return False


def library_unless_shipped_elsewhere(
    library: str, build: template.Library
) -> template.Library | None:
    """``build`` when no other installed app ships ``library``, else None (no library here)."""
    return None if shipped_by_another_app(library) else build
