"""Transaction-level locks that make two concurrent first sign-ins take turns."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import connections, router


def hold_lock(name: str, model: Any) -> bool:
    """Hold the lock ``name`` until the current transaction ends (PostgreSQL only).

    Return whether a lock was taken: only then may another transaction have committed what the
    caller must read again.

    PostgreSQL runs transactions side by side, so two first sign-ins could each see "no link yet"
    (or "no superuser yet") and both act on it. With a transaction-level advisory lock the second
    waits until the first has committed, and then sees what it wrote. Elsewhere (SQLite) the
    unique constraints, ``UserSync.sync`` finding the person's own link after all, and the retry
    in ``accounts.AccountSync`` (which SQLite's "database is locked" also runs) remain.
    """
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return False
    digest = hashlib.sha256(f"django_microsoft_sso:{name}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )
    return True
