"""Signals of a sign-in with Microsoft, sent once the sign-in's transaction has committed.

``microsoft_sso_user_created``
    A person signed in for the first time and a Django user was created for them.
    Arguments: ``sender`` (the ``UserSync`` class), ``user``, ``request``, ``identity`` (the
    validated id_token, a ``MicrosoftIdentity``) and ``profile`` (the Graph profile read for this
    sign-in, a ``MicrosoftProfile``, or None).

``microsoft_sso_user_updated``
    A person who already had a user signed in again. Same arguments, plus ``update_fields``: the
    names of the user's fields this sign-in changed (an empty set when none did).

``microsoft_sso_login_failed``
    A sign-in was refused or failed. Arguments: ``sender`` (the ``LoginError`` class),
    ``request``, ``reason`` (a short code: ``refused``, ``token``, ``state``,
    ``microsoft_unavailable``…, or ``session_revoked`` when Microsoft no longer issues a token for
    a signed-in person) and ``error`` (the ``LoginError``).

``microsoft_sso_user_deactivated``
    The package deactivated a user because Entra disabled or deleted their account (the
    directory sync, the admin action, or Microsoft's answer at a sign-in or a token refresh).
    Arguments: ``sender`` (the ``lifecycle`` module's ``Lifecycle`` class), ``user``,
    ``request`` (None outside a request) and ``reason`` (``disabled``, ``deleted``, or a
    project's own word).

``microsoft_sso_user_reactivated``
    The package re-activated a user it had deactivated, because Entra enabled the account
    again. Arguments: ``sender``, ``user`` and ``request`` (None outside a request).

A sync that rolls back (a hook that raises, a database error) sends neither of the first two.
A receiver that raises is logged and does not change the sign-in's outcome.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal
from django.http import HttpRequest

microsoft_sso_user_created = Signal()
microsoft_sso_user_updated = Signal()
microsoft_sso_login_failed = Signal()
microsoft_sso_user_deactivated = Signal()
microsoft_sso_user_reactivated = Signal()


def send(signal: Signal, request: HttpRequest | None, **arguments: Any) -> None:
    """Send ``signal`` to every receiver; one that raises is logged, never a server error."""
    from django_microsoft_sso.conf import Settings
    from django_microsoft_sso.logs import log

    for receiver, outcome in signal.send_robust(request=request, **arguments):
        if isinstance(outcome, Exception):
            log(
                Settings(request),
                "ERROR",
                "Receiver {} of a django_microsoft_sso signal raised {}",
                getattr(receiver, "__qualname__", receiver),
                type(outcome).__name__,
            )
