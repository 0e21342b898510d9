from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from portal.sites import sync_site

        post_migrate.connect(sync_site, dispatch_uid="portal.sync_site")
