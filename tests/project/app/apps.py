from django.apps import AppConfig


class TestAppConfig(AppConfig):
    name = "tests.project.app"
    label = "tests_app"
    default_auto_field = "django.db.models.BigAutoField"
