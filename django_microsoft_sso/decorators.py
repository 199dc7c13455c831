"""``strong_sign_in_required``: a view only with a strong sign-in with Microsoft (``stepup``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, overload

from django.http import HttpRequest, HttpResponse

from django_microsoft_sso import stepup

View = TypeVar("View", bound=Callable[..., HttpResponse])


@overload
def strong_sign_in_required(view: View) -> View: ...


@overload
def strong_sign_in_required(
    view: None = None,
    *,
    auth_context: str | None = None,
    mfa: bool | None = None,
    max_age: int | None = None,
) -> Callable[[View], View]: ...


def strong_sign_in_required(
    view: Any = None,
    *,
    auth_context: str | None = None,
    mfa: bool | None = None,
    max_age: int | None = None,
) -> Any:
    """Let the view run only for a person whose sign-in with Microsoft was strong enough.

    ``auth_context="c1"``: the id_token must carry that authentication context (``acrs``);
    ``mfa=True`` (the default without ``auth_context``): a multi-factor sign-in (``amr``);
    ``max_age``: seconds after which the strong sign-in is asked for again. Anyone else, a person
    who signed in with a password or nobody at all included, is sent to Microsoft for it and
    comes back here; when Microsoft does not give it, the page says so (403) instead.
    """
    needed = stepup.StrongSignIn(
        auth_context, bool(mfa if mfa is not None else not auth_context), max_age
    )

    def decorate(function: View) -> View:
        @wraps(function)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = stepup.step_up_response(request, needed)
            if response is not None:
                return response
            return function(request, *args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate
