from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom layer: what every app may use, and which uses none of them."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core import checks, tasks  # noqa: F401 - registers the checks and Celery tasks
