"""The credentials the application proves itself with to Microsoft.

``MICROSOFT_SSO_CLIENT_SECRET``, or ``MICROSOFT_SSO_CERTIFICATE``, which replaces the secret with
a certificate: msal signs a client assertion with its private key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django_microsoft_sso.conf import Settings
from django_microsoft_sso.exceptions import ConfigurationError

CERTIFICATE_KEYS = frozenset({"private_key", "private_key_path", "thumbprint", "passphrase"})


@dataclass(frozen=True)
class Certificate:
    private_key: str
    thumbprint: str
    passphrase: str | None

    def msal_credential(self) -> dict[str, str]:
        credential = {"private_key": self.private_key, "thumbprint": self.thumbprint}
        if self.passphrase:
            credential["passphrase"] = self.passphrase
        return credential

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.thumbprint}:{self.private_key}".encode()).hexdigest()


def parse_certificate(value: Any) -> Certificate:
    """The ``MICROSOFT_SSO_CERTIFICATE`` setting, read and its key loaded; ``ValueError`` if not.

    ``private_key`` (PEM text) or ``private_key_path`` (a PEM file), ``thumbprint`` (the SHA-1
    thumbprint Entra shows for the uploaded certificate, hex) and ``passphrase`` when the key is
    encrypted.
    """
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    if not isinstance(value, dict) or not set(value) <= CERTIFICATE_KEYS:
        raise ValueError(f"a dict with the keys {', '.join(sorted(CERTIFICATE_KEYS))}")
    if bool(value.get("private_key")) == bool(value.get("private_key_path")):
        raise ValueError('give exactly one of "private_key" and "private_key_path"')
    if value.get("private_key"):
        pem = str(value["private_key"])
    else:
        try:
            pem = Path(value["private_key_path"]).read_text()
        except (OSError, UnicodeDecodeError, TypeError) as error:
            raise ValueError(f"private_key_path does not read: {type(error).__name__}") from error
    thumbprint = str(value.get("thumbprint") or "").replace(":", "").strip().lower()
    if len(thumbprint) != 40 or any(c not in "0123456789abcdef" for c in thumbprint):
        raise ValueError('"thumbprint" must be the certificate\'s SHA-1 thumbprint, 40 hex digits')
    passphrase = value.get("passphrase") or None
    try:
        key = load_pem_private_key(
            pem.encode(), password=str(passphrase).encode() if passphrase else None
        )
    except (ValueError, TypeError) as error:
        raise ValueError("the private key does not load (not PEM, or wrong passphrase)") from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the private key must be an RSA key")
    return Certificate(pem, thumbprint, str(passphrase) if passphrase else None)


_parsed: dict[str, Certificate] = {}


def forget() -> None:
    """Forget the certificates this process loaded."""
    _parsed.clear()


def _parsed_certificate(key: str, value: Any) -> Certificate:
    """Loading an RSA key costs milliseconds: each setting value is loaded once per process."""
    found = _parsed.get(key)
    if found is None:
        found = _parsed[key] = parse_certificate(value)
    return found


def client_credential(sso: Settings) -> tuple[str | dict[str, str], str]:
    """What msal proves the application with, and a digest that tells credentials apart."""
    secret, certificate = sso.client_secret, sso.certificate
    if secret and certificate:
        raise ConfigurationError(
            "set MICROSOFT_SSO_CLIENT_SECRET or MICROSOFT_SSO_CERTIFICATE, not both"
        )
    if certificate:
        try:
            parsed = _parsed_certificate(repr(sorted(certificate.items())), certificate)
        except (ValueError, AttributeError) as error:
            raise ConfigurationError(f"MICROSOFT_SSO_CERTIFICATE: {error}") from error
        return parsed.msal_credential(), "certificate:" + parsed.digest
    if secret:
        return secret, "secret:" + hashlib.sha256(secret.encode()).hexdigest()
    raise ConfigurationError(
        "MICROSOFT_SSO_CLIENT_SECRET or MICROSOFT_SSO_CERTIFICATE must be set."
    )
