"""The project's WSGI application with its URLconf (and so msal and the views) already loaded.

With gunicorn's ``--preload`` the workers fork from a process that has imported everything, so
that each does not spend its first request importing.
"""

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018
