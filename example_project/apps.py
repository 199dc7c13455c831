from django.apps import AppConfig


class ExampleProjectConfig(AppConfig):
    name = "example_project"
    verbose_name = "Example project"

    def ready(self) -> None:
        from example_project import checks  # noqa: F401  (registers the system check)
