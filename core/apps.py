from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom layer: what every app may use, and which uses none of them."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import post_migrate

        from core import checks, site, tasks  # noqa: F401 - registers the checks and Celery tasks

        # After the Sites app's own handler, which creates example.com on a fresh database.
        post_migrate.connect(
            site.sync_site, sender=apps.get_app_config("sites"), dispatch_uid="core.sync_site"
        )
