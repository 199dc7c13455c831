from django.apps import AppConfig


class CustomUserConfig(AppConfig):
    """A project's own user model, installed only by ``tests.project.settings_custom_user``."""

    name = "tests.project.custom_user"
    label = "custom_user"
    default_auto_field = "django.db.models.BigAutoField"
