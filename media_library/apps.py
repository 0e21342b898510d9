from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaLibraryConfig(AppConfig):
    name = "media_library"
    verbose_name = _("Media library")

    def ready(self) -> None:
        from media_library import signals, tasks  # noqa: F401 - tasks registers the Celery tasks

        signals.connect()
