"""Hooks and a backend that tests point the ``MICROSOFT_SSO_*`` settings at, by dotted path.

Each hook writes what it was given to ``calls``, which the ``hook_calls`` fixture of
tests/test_hooks.py empties before every test.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from django_microsoft_sso.adapter import MicrosoftSSOAdapter
from django_microsoft_sso.exceptions import RefusedError
from django_microsoft_sso.groups import Grant
from django_microsoft_sso.sessions import ACCESS_TOKEN_SESSION_KEY

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


class NoMicrosoftBackend(ModelBackend):
    """A project's backend, listed before ours, that refuses every sign-in with Microsoft."""

    def authenticate(self, request, microsoft_identity=None, **credentials):
        if microsoft_identity is not None:
            raise PermissionDenied
        return super().authenticate(request, **credentials)


class JobTitleAdapter(MicrosoftSSOAdapter):
    """Copies the job title (a field only the whole ``/me`` has) into ``last_name``."""

    def user_values(self, request, facts, profile):
        return {
            **super().user_values(request, facts, profile),
            "last_name": profile.text("jobTitle"),
        }


class FirstSignInOnlyAdapter(MicrosoftSSOAdapter):
    """Lets a person sign in only while they have no account: judges returning people too."""

    def may_sign_in(self, request, profile):
        user_model = get_user_model()
        lookup = {f"{user_model.USERNAME_FIELD}__iexact": profile.user_principal_name}
        return not user_model.objects.filter(**lookup).exists()


class SuspendingAdapter(MicrosoftSSOAdapter):
    """Refuses with its own message just before login, once the user is saved."""

    def pre_login(self, request, user):
        calls.append(("adapter_pre_login", user.pk))
        raise RefusedError("suspended", "Your access is suspended.")


class StaffForAllAdapter(MicrosoftSSOAdapter):
    """Whatever the person's groups, the mapping's decision is: staff."""

    def granted(self, request, memberships):
        return Grant(flags={"is_staff"})


class NotAnAdapter:
    pass
