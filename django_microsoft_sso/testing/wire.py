"""What the fake's answers share: its error for misuse, and Microsoft's shapes of errors."""

from __future__ import annotations

import base64
import uuid

import httpx


class FakeMicrosoftError(AssertionError):
    """A test drove the fake in a way the real Microsoft would not allow."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def aad_error(status: int, error: str, description: str, code: int) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "error": error,
            "error_description": f"{description}\r\nTrace ID: {uuid.uuid4()}\r\nCorrelation ID: {uuid.uuid4()}\r\nTimestamp: 2026-01-01 00:00:00Z",
            "error_codes": [code],
            "timestamp": "2026-01-01 00:00:00Z",
            "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
        },
    )


def graph_error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "error": {
                "code": code,
                "message": message,
                "innerError": {"request-id": str(uuid.uuid4()), "date": "2026-01-01T00:00:00"},
            }
        },
    )
