"""What both example APIs answer: the caller's name and e-mail, and what the token grants."""

from typing import Any

# The scope the example's API exposes ("Expose an API" in the app registration, docs/api.md).
API_SCOPE = "access_as_user"


def caller(user: Any, access: Any) -> dict[str, Any]:
    """The Django user (none for an app-only caller) and the validated token's grants."""
    person = None
    if user.is_authenticated:
        person = {
            "username": user.get_username(),
            "name": user.get_full_name(),
            "email": user.email,
        }
    return {
        "user": person,
        "client_app_id": access.client_app_id,
        "tenant_id": access.tenant_id,
        "scopes": sorted(access.scopes),
        "roles": sorted(access.roles),
    }
