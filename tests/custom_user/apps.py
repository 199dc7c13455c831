from django.apps import AppConfig


class CustomUserConfig(AppConfig):
    """A project's own user model, installed only by ``tests.settings_custom_user``."""

    name = "tests.custom_user"
    label = "custom_user"
    default_auto_field = "django.db.models.BigAutoField"
