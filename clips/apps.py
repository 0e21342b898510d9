from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClipsConfig(AppConfig):
    name = "clips"
    verbose_name = _("Clips")

    def ready(self) -> None:
        from clips import signals, tasks  # noqa: F401 - tasks registers the Celery tasks

        signals.connect()
