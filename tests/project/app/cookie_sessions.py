"""A project's own session engine built on Django's signed cookies (``SESSION_ENGINE``)."""

from django.contrib.sessions.backends import signed_cookies


class SessionStore(signed_cookies.SessionStore):
    """Stores the session in the cookie like its parent, under a name of the project's."""
