"""The example project under an ASGI server (uvicorn, daphne): ``./scripts/example-asgi``, or

    .venv/bin/uvicorn example_project.asgi:application --port 8000

from the repository root (docs/asgi.md). In the demo (no app registration in the environment,
see ``example_project/settings.py``) the Microsoft emulator starts in this process, as
``manage.py runserver`` starts it; with DEBUG on, the static files are served too, as runserver
serves them. The demo wants one worker process: each would start an emulator of its own.
``EXAMPLE_SITE_URL`` is the address the banner shows (the ASGI application cannot know it).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402  (after setup, like the rest)
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from django_microsoft_sso.testing.emulator import (  # noqa: E402
    EMULATOR_URL_VARIABLE,
    EmulatorServer,
    check_allowed,
)
from example_project.management.commands.runserver import banner  # noqa: E402

application = ASGIStaticFilesHandler(django_application) if settings.DEBUG else django_application

emulator: EmulatorServer | None = None
if settings.EXAMPLE_USES_EMULATOR and not os.environ.get(EMULATOR_URL_VARIABLE):
    check_allowed()
    from example_project.demo import demo_microsoft
    from example_project.views import EMULATOR_PAGES_PATH

    # A daemon thread: it ends with the server process. Its sign-in pages are served through the
    # site itself, as under runserver, so the demo works wherever the site is reachable.
    emulator = EmulatorServer(demo_microsoft(), browser_base_url=EMULATOR_PAGES_PATH).start()
    os.environ[EMULATOR_URL_VARIABLE] = emulator.url
print(banner(os.environ.get("EXAMPLE_SITE_URL", "http://localhost:8000")), flush=True)
