from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailerConfig(AppConfig):
    name = "mailer"
    verbose_name = _("Outgoing email")

    def ready(self) -> None:
        from mailer import tasks  # noqa: F401 - registers the Celery tasks
