from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom layer: what every app may use, and which uses none of them."""

    name = "core"
    verbose_name = "Core"
