from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _apply_roles(sender, **kwargs) -> None:
    from accounts.roles import ensure_editor_group

    ensure_editor_group()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # After the last app's migrations, when every editorial permission exists.
        post_migrate.connect(_apply_roles, dispatch_uid="accounts.apply_roles")
        from django.contrib.auth.signals import user_logged_in

        from accounts.guards import remember_at_login

        user_logged_in.connect(remember_at_login, dispatch_uid="accounts.remember_at_login")
