"""Sign-in with Microsoft as a Django authentication backend.

The callback calls ``authenticate()`` then ``login()``, as any login does: Django sends
``user_login_failed`` for a refused person, and a project's own backends are asked too. A project
that lists ``MicrosoftSSOBackend`` in ``AUTHENTICATION_BACKENDS`` gets Django's ``authenticate()``
as it is; one that does not (7.x projects never had to) is served by the backend alone, with the
same signal.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from django_microsoft_sso.accounts import AccountSync
from django_microsoft_sso.adapter import get_adapter
from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import ConfigurationError, LoginError, RefusedError
from django_microsoft_sso.tokens import MicrosoftIdentity

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# Django's authenticate() swallows PermissionDenied: the refusal, with the message the person
# must see, waits on the request for the flow to raise.
REFUSAL_ATTRIBUTE = "_microsoft_sso_refusal"
# The names django.contrib.auth cleanses from user_login_failed's credentials, and its mask.
SENSITIVE_CREDENTIALS = re.compile("api|token|key|secret|password|signature", re.I)
CLEANSED_SUBSTITUTE = "********************"


class MicrosoftSSOBackend(ModelBackend):
    """Authenticate a person whose id_token was validated; ``None`` for other credentials.

    A ``ModelBackend``: listed alone, it still loads the user of a session and answers for
    permissions.
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        *,
        microsoft_identity: MicrosoftIdentity,
        tenant_trusted: bool = False,
        mapping_tenant: bool = False,
        token_response: dict[str, Any] | None = None,
    ) -> AbstractBaseUser | None:
        """Sync the person's user and return it, or raise ``PermissionDenied`` to refuse.

        ``token_response`` is msal's answer (tokens): its name is one that ``user_login_failed``
        cleanses. ``mapping_tenant``: the group mapping applies to the person's tenant.
        """
        if request is None or not isinstance(microsoft_identity, MicrosoftIdentity):
            return None
        refusal: LoginError
        try:
            account = AccountSync(request, get_adapter(), microsoft_identity)
            result = account.run(tenant_trusted, mapping_tenant, token_response or {})
        except LoginError as error:
            refusal = error
        except ImproperlyConfigured as error:
            # An adapter or hook setting that does not load (``manage.py check`` reports it).
            refusal = ConfigurationError(str(error))
        except Exception as error:
            # A project's adapter or hook, or the database, failed: the person gets a message
            # rather than a server error.
            refusal = account_error(Settings(request), error)
        else:
            return result.user
        setattr(request, REFUSAL_ATTRIBUTE, refusal)
        raise PermissionDenied(refusal.detail)


def account_error(sso: Settings, error: Exception) -> LoginError:
    """A project's code or the database failed: nothing of this sign-in was kept."""
    detail = f"sign-in could not be completed: {type(error).__name__}"
    message: str | Promise
    if sso.show_failed_login_message:
        message = _("Your sign-in could not be completed: %(error)s") % {"error": str(error)[:200]}
    else:
        message = _("Your sign-in could not be completed. Please contact your administrator.")
    return RefusedError(detail, message)


def authenticate(request: HttpRequest, **credentials: Any) -> AbstractBaseUser:
    """The user Microsoft's identity signs in as, through Django's backends; or the refusal.

    Raises the ``LoginError`` our backend refused with, or a ``RefusedError`` when another
    backend refused first.
    """
    setattr(request, REFUSAL_ATTRIBUTE, None)
    user: Any
    if backend_listed():
        user = auth.authenticate(request, **credentials)
    else:
        user = authenticate_unlisted(request, credentials)
    refusal: LoginError | None = getattr(request, REFUSAL_ATTRIBUTE, None)
    setattr(request, REFUSAL_ATTRIBUTE, None)
    if user is not None:
        return user  # type: ignore[no-any-return]
    raise refusal or RefusedError("no authentication backend accepted the Microsoft identity")


def backend_listed() -> bool:
    """Whether ``AUTHENTICATION_BACKENDS`` lists ``MicrosoftSSOBackend`` (or a subclass)."""
    return any(isinstance(backend, MicrosoftSSOBackend) for backend in auth.get_backends())


def authenticate_unlisted(
    request: HttpRequest, credentials: dict[str, Any]
) -> AbstractBaseUser | None:
    """What ``authenticate()`` does with our backend alone, ``user_login_failed`` included."""
    try:
        user = MicrosoftSSOBackend().authenticate(request, **credentials)
    except PermissionDenied:
        user = None
    if user is None:
        cleansed = {
            key: CLEANSED_SUBSTITUTE if SENSITIVE_CREDENTIALS.search(key) else value
            for key, value in credentials.items()
        }
        user_login_failed.send(sender=auth.__name__, credentials=cleansed, request=request)
    return user


def session_backend(user: AbstractBaseUser) -> str:
    """The backend to record on the session: the one that authenticated, when it is listed.

    Unlisted (a 7.x project), the first of ``AUTHENTICATION_BACKENDS``, as 7.x recorded: the
    session's backend must be one Django can load at the next request.
    """
    used = getattr(user, "backend", None)
    if isinstance(used, str) and used in settings.AUTHENTICATION_BACKENDS:
        return used
    return str(settings.AUTHENTICATION_BACKENDS[0])
