"""Hooks that the security suite points the ``MICROSOFT_SSO_*`` settings at, by dotted path."""

import time

from django.contrib.auth.models import Group

# How long ``linger`` holds a sign-in's transaction open.
LINGER_SECONDS = 0.1


def linger(user, request):
    """Keep the sign-in's transaction open a moment, so that parallel sign-ins overlap in it."""
    time.sleep(LINGER_SECONDS)


def write_then_fail(user, request):
    """Write a row of the project's own, then fail: the row must go with the rest."""
    Group.objects.create(name=f"written by the hook for {user.pk}")
    raise RuntimeError("the project's hook failed after writing")
