"""Hooks and a backend that tests point the ``MICROSOFT_SSO_*`` settings at, by dotted path.

Each hook writes what it was given to ``calls``, which the ``hook_calls`` fixture of
tests/test_hooks.py empties before every test.
"""

from django.contrib.auth.backends import ModelBackend

from django_microsoft_sso.flow import ACCESS_TOKEN_SESSION_KEY

calls: list[tuple[str, object]] = []

NOT_CALLABLE = "a string, not a function"


def allow_everyone(ms_user_info, request):
    calls.append(("pre_validate", dict(ms_user_info)))
    return True


def refuse_everyone(ms_user_info, request):
    calls.append(("pre_validate", dict(ms_user_info)))
    return False


def make_staff(ms_user_info, request):
    calls.append(("pre_create", dict(ms_user_info)))
    return {"is_staff": True}


def set_first_name(ms_user_info, request):
    return {"first_name": "Chosen by the project"}


def choose_username(ms_user_info, request):
    local_part = ms_user_info["userPrincipalName"].split("@")[0]
    return {"username": f"ms-{local_part}", "defaults": {"is_staff": True}}


def record_login(user, request):
    calls.append(
        ("pre_login", (user.pk, request.path, request.session.get(ACCESS_TOKEN_SESSION_KEY)))
    )
    user.last_name = "Checked at login"
    user.save(update_fields=["last_name"])


def explode(*args):
    raise RuntimeError("the project's hook failed")


class MicrosoftBackend(ModelBackend):
    """A project's own backend for people who signed in with Microsoft."""
