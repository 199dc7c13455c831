"""The fake Microsoft served over HTTP on loopback: for the demo, browser tests and load tests.

``EmulatorServer`` serves a ``FakeMicrosoft`` at ``http://127.0.0.1:<port>/<host>/<path>``, where
``<host>`` is the Microsoft host the request was meant for (``login.microsoftonline.com``,
``graph.microsoft.com``). Browsers get a sign-in page there that lists the fake's people; servers
reach it through ``EmulatorTransport``, which the package's HTTP client uses when
``MICROSOFT_SSO_HTTP_TRANSPORT`` names ``django_microsoft_sso.testing.emulator.transport``.

Several server processes (gunicorn workers) share one emulator, so a code issued to one worker
redeems in another, as with the real Microsoft.

The emulator signs anyone in as anyone: it refuses to serve a Django project unless ``DEBUG`` is
on or a test runner is active (``check_allowed``), and ``manage.py check`` reports a project whose
``MICROSOFT_SSO_HTTP_TRANSPORT`` points at it in production (``django_microsoft_sso.E010``).
"""

from __future__ import annotations

import base64
import html
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from django_microsoft_sso.testing import FakeMicrosoft, FakeMicrosoftError, MicrosoftUser

# The environment variable through which a project process finds its emulator.
EMULATOR_URL_VARIABLE = "MICROSOFT_SSO_EMULATOR_URL"


def check_allowed() -> None:
    """Refuse to emulate Microsoft for a Django project that is not in DEBUG or under test."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    if settings.configured and not (settings.DEBUG or testing()):
        raise ImproperlyConfigured(
            "The Microsoft emulator signs anyone in as anyone: it runs only with DEBUG = True "
            "or under a test runner."
        )


def testing() -> bool:
    """Whether a test runner (pytest, or Django's ``manage.py test``) runs this process."""
    return "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")


class EmulatorTransport(httpx.BaseTransport):
    """Send requests for Microsoft's hosts to an emulator at ``base_url`` instead."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._transport = httpx.HTTPTransport(
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20)
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        target = httpx.URL(f"{self.base_url}/{url.host}{url.raw_path.decode('ascii')}")
        request.url = target
        request.headers["Host"] = target.netloc.decode("ascii")
        return self._transport.handle_request(request)

    def close(self) -> None:
        self._transport.close()


def transport() -> EmulatorTransport:
    """``MICROSOFT_SSO_HTTP_TRANSPORT`` value for a project that signs in through the emulator.

    The emulator's address comes from the ``MICROSOFT_SSO_EMULATOR_URL`` environment variable.
    """
    check_allowed()
    base_url = os.environ.get(EMULATOR_URL_VARIABLE)
    if not base_url:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"Set {EMULATOR_URL_VARIABLE} to the emulator's URL.")
    return EmulatorTransport(base_url)


class EmulatorServer:
    """Serve ``fake`` on ``host:port`` (port 0 picks a free one) in a background thread.

    ``latency`` seconds are added to every request, as the distance to a data centre would.
    ``browser_base_url`` is where browsers are sent for the sign-in pages (default: this server).
    """

    def __init__(
        self,
        fake: FakeMicrosoft,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        browser_base_url: str | None = None,
    ) -> None:
        self.fake = fake
        self.latency = latency
        self.connections = 0
        self._counter_lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        bound_host, bound_port = self._server.server_address[:2]
        self.url = f"http://{bound_host!s}:{bound_port}"
        # A path (no host) sends browsers to the site that redirected them, which passes the
        # pages on: the demo then works wherever the site is reachable, not only on this machine.
        fake.browser_base_url = browser_base_url or f"{self.url}/{fake.login_host}"

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="microsoft-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self._server.serve_forever()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def count_connection(self) -> None:
        with self._counter_lock:
            self.connections += 1


def _handler_for(server: EmulatorServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_EmulatorHandler):
        emulator = server

    return Handler


class _EmulatorHandler(BaseHTTPRequestHandler):
    """One connection to the emulator (HTTP/1.1 keep-alive, like Microsoft's endpoints)."""

    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: with Nagle's algorithm the body would wait for the
    # client's delayed ACK of the headers, ~40 ms on every request of a kept-alive connection.
    disable_nagle_algorithm = True
    emulator: EmulatorServer

    def setup(self) -> None:
        super().setup()
        self.emulator.count_connection()

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        if self.emulator.latency:
            time.sleep(self.emulator.latency)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host, _, rest = self.path.lstrip("/").partition("/")
        url = f"https://{host}/{rest}"
        fake = self.emulator.fake
        try:
            if host == fake.login_host and self._is_browser_page(url):
                status, headers, content = self._browser_page(url, body)
            else:
                headers_in = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                request = httpx.Request(self.command, url, headers=headers_in, content=body)
                response = fake.handle(request)
                status, content = response.status_code, response.content
                headers = {"Content-Type": response.headers.get("Content-Type", "text/plain")}
                for name in ("Retry-After", "Location"):
                    if name in response.headers:
                        headers[name] = response.headers[name]
        except FakeMicrosoftError as error:
            status, headers, content = 400, _html_type(), _page("Sign-in error", str(error))
        except httpx.TransportError:
            # A fault set with ``fail``: drop the connection as a broken network would.
            self.close_connection = True
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    # -- pages a browser sees -----------------------------------------------------------------

    def _is_browser_page(self, url: str) -> bool:
        fake = self.emulator.fake
        browser_url = f"{fake.browser_base_url}{url.split(fake.login_host, 1)[1]}"
        return fake.is_authorize_url(browser_url) or self._is_logout(url)

    @staticmethod
    def _is_logout(url: str) -> bool:
        return urlsplit(url).path.endswith("/oauth2/v2.0/logout")

    def _browser_page(self, url: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        fake = self.emulator.fake
        browser_url = f"{fake.browser_base_url}{url.split(fake.login_host, 1)[1]}"
        if self._is_logout(url):
            target = parse_qs(urlsplit(url).query).get("post_logout_redirect_uri", [""])[0]
            if urlsplit(target).scheme in ("http", "https"):
                return 302, {"Location": target}, b""
            return 200, _html_type(), _page("Signed out", "You signed out of your account.")
        if self.command == "POST":
            choice = parse_qs(body.decode("utf-8", "replace")).get("person", [""])[0]
            if choice == "cancel":
                answer = fake.deny(browser_url)
            else:
                person = next((u for u in fake.users if u.object_id == choice), None)
                if person is None:
                    return 400, _html_type(), _page("Sign-in error", "Pick someone to sign in as.")
                answer = fake.sign_in(browser_url, person)
            if answer.method == "POST":
                return 200, _html_type(), _form_post_page(answer.redirect_uri, answer.params)
            separator = "&" if "?" in answer.redirect_uri else "?"
            location = f"{answer.redirect_uri}{separator}{urlencode(answer.params)}"
            return 302, {"Location": location}, b""
        fake._authorize_request(browser_url)  # refuses a request from an unknown app
        return 200, _html_type(), _picker_page(fake.users)


def _html_type() -> dict[str, str]:
    return {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


_STYLE = """
body{margin:0;font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;color:#1b1b1b}
main{max-width:440px;margin:8vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
.logo{display:grid;grid-template-columns:10px 10px;gap:2px;margin-bottom:16px}
.logo span{width:10px;height:10px}
h1{font-size:24px;font-weight:600;margin:0 0 8px}
p.note{font-size:13px;color:#5e5e5e;margin:0 0 20px}
button.person{display:flex;gap:12px;align-items:center;width:100%;padding:12px;margin:0 0 8px;
 border:1px solid #ddd;background:#fff;text-align:left;cursor:pointer;font:inherit}
button.person:hover,button.person:focus{background:#f3f9fd;border-color:#0067b8}
.avatar{width:40px;height:40px;border-radius:50%;background:#0067b8;color:#fff;display:grid;
 place-items:center;font-weight:600;flex:none}
.who small{display:block;color:#5e5e5e}
button.cancel{background:none;border:0;color:#0067b8;padding:8px 0;cursor:pointer;font:inherit}
@media (prefers-color-scheme:dark){body{background:#1b1b1b;color:#eee}main{background:#2b2b2b}
 button.person{background:#2b2b2b;color:#eee;border-color:#444}.who small,p.note{color:#bbb}}
"""

_LOGO = (
    '<div class="logo" aria-hidden="true"><span style="background:#F25022"></span>'
    '<span style="background:#7FBA00"></span><span style="background:#00A4EF"></span>'
    '<span style="background:#FFB900"></span></div>'
)


def _page(title: str, content: str, raw: str = "") -> bytes:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body><main>"
        f"{_LOGO}<h1>{html.escape(title)}</h1><p class=note>{html.escape(content)}</p>{raw}"
        "</main></body></html>"
    ).encode()


def _picker_page(users: list[MicrosoftUser]) -> bytes:
    buttons = []
    for user in users:
        name = user.display_name or user.user_principal_name
        initials = "".join(part[0] for part in name.split()[:2]).upper() or "?"
        details = f"{user.user_principal_name} · tenant {user.tenant_id[:8]}…"
        if user.photo and user.photo.startswith((b"\x89PNG", b"\xff\xd8\xff")):
            kind = "png" if user.photo.startswith(b"\x89PNG") else "jpeg"
            encoded = base64.b64encode(user.photo).decode()
            avatar = f'<img class=avatar alt="" src="data:image/{kind};base64,{encoded}">'
        else:
            avatar = f'<span class=avatar aria-hidden="true">{html.escape(initials)}</span>'
        buttons.append(
            f'<button class=person name=person value="{html.escape(user.object_id)}">'
            f"{avatar}"
            f"<span class=who>{html.escape(name)}<small>{html.escape(details)}</small></span>"
            "</button>"
        )
    form = (
        f"<form method=post>{''.join(buttons)}"
        '<button class=cancel name=person value="cancel">Cancel</button></form>'
    )
    return _page(
        "Pick an account",
        "Microsoft emulator: no password is asked, and no request leaves this machine.",
        form,
    )


def _form_post_page(action: str, params: dict[str, str]) -> bytes:
    fields = "".join(
        f'<input type=hidden name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
    )
    form = (
        f'<form id=answer method=post action="{html.escape(action)}">{fields}'
        "<noscript><button>Continue</button></noscript></form>"
        "<script>document.getElementById('answer').submit()</script>"
    )
    return _page("Signing you in", "Returning to the application…", form)
