from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api import tokens
from api.models import ApiToken
from core.admin import RecordAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(RecordAdmin):
    """Tokens as records (the secret is never stored, so there is nothing to show of it); a
    superuser may revoke any, e.g. one leaked in a newsroom's logs."""

    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "name", "prefix"]
    exclude = ["digest"]
    actions = ["revoke_selected"]

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    @admin.action(permissions=["revoke"], description=_("Revoke the selected tokens"))
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = tokens.revoke_tokens(token_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
