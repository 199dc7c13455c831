"""Microsoft's clouds.

``MICROSOFT_SSO_CLOUD`` names the cloud: its sign-in host (where the default authority lives)
and its Graph host go together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import ConfigurationError


@dataclass(frozen=True)
class Cloud:
    login_host: str
    graph_host: str

    @property
    def graph_root(self) -> str:
        return f"https://{self.graph_host}/v1.0"

    @property
    def default_authority(self) -> str:
        return f"https://{self.login_host}/common"

    def accepts_authority_host(self, host: str) -> bool:
        """Whether an authority on ``host`` signs in to this cloud.

        The global cloud also answers on older host names, and External ID (CIAM) and B2C
        tenants sign in at ``<tenant>.ciamlogin.com`` / ``<tenant>.b2clogin.com`` in it.
        """
        host = host.lower()
        if host == self.login_host:
            return True
        return self.login_host == CLOUDS["global"].login_host and (
            host in GLOBAL_ALIASES or host.endswith(GLOBAL_TENANT_HOST_SUFFIXES)
        )


GLOBAL_ALIASES = frozenset({"login.windows.net", "login.microsoft.com", "sts.windows.net"})
GLOBAL_TENANT_HOST_SUFFIXES = (".ciamlogin.com", ".b2clogin.com")
CLOUDS = {
    "global": Cloud("login.microsoftonline.com", "graph.microsoft.com"),
    "usgov": Cloud("login.microsoftonline.us", "graph.microsoft.us"),
    "china": Cloud("login.chinacloudapi.cn", "microsoftgraph.chinacloudapi.cn"),
}


def parse_cloud(value: Any) -> Cloud:
    """The cloud a ``MICROSOFT_SSO_CLOUD`` value names; ``ValueError`` when it names none."""
    if isinstance(value, str):
        cloud = CLOUDS.get(value.lower())
        if cloud is None:
            raise ValueError(f"unknown cloud {value!r}; use one of {', '.join(CLOUDS)} or hosts")
        return cloud
    if isinstance(value, dict) and set(value) == {"login", "graph"}:
        hosts = [value["login"], value["graph"]]
        if all(isinstance(h, str) and h and _is_host(h) for h in hosts):
            return Cloud(hosts[0].lower(), hosts[1].lower())
    raise ValueError('a cloud is "global", "usgov", "china" or {"login": <host>, "graph": <host>}')


def _is_host(value: str) -> bool:
    parts = urlsplit(f"https://{value}")
    return parts.hostname == value.lower() and not parts.port and "/" not in value


def cloud(sso: Settings) -> Cloud:
    try:
        return parse_cloud(sso.cloud)
    except ValueError as error:
        raise ConfigurationError(f"MICROSOFT_SSO_CLOUD: {error}") from error


def authority_error(authority: str, chosen: Cloud) -> str | None:
    """Why ``authority`` does not belong to the cloud, or None when it does."""
    host = urlsplit(authority).hostname or ""
    if chosen.accepts_authority_host(host):
        return None
    return f"the authority's host {host!r} is not the cloud's sign-in host {chosen.login_host!r}"
