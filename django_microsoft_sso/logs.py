"""Log lines of the package, through loguru, switched off by ``MICROSOFT_SSO_ENABLE_LOGS``.

Arguments are cleaned before they reach the log: control characters (a forged line break in an
``error_description`` or a Graph field) become ``?`` and long values are cut short. Callers never
pass tokens, codes or secrets.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from loguru import logger

from django_microsoft_sso.conf import Settings

MAX_ARGUMENT_LENGTH = 300


def clean(value: Any) -> str:
    """``value`` as one short line of printable text."""
    text = str(value)[:MAX_ARGUMENT_LENGTH]
    return "".join("?" if unicodedata.category(char)[0] == "C" else char for char in text)


def log(sso: Settings, level: str, message: str, *args: Any) -> None:
    """Log ``message`` formatted with ``args`` (``{}`` placeholders) unless logs are off."""
    if sso.enable_logs:
        logger.opt(depth=1).log(level, message, *(clean(arg) for arg in args))
