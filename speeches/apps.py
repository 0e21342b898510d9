from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpeechesConfig(AppConfig):
    name = "speeches"
    verbose_name = _("Speeches")

    def ready(self) -> None:
        from speeches import signals, tasks  # noqa: F401 - tasks registers the Celery tasks

        signals.connect()
