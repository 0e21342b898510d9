from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from mailer.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = [
        "subject",
        "recipients",
        "category",
        "status",
        "attempts",
        "error",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "category"]
    search_fields = ["subject", "to", "last_error"]
    date_hierarchy = "created_at"
    # The bodies stay encrypted and out of sight: they may hold one-time codes.
    fields = [
        "category",
        "to",
        "from_email",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("recipients"))
    def recipients(self, obj: OutboundEmail) -> str:
        return ", ".join(obj.to)

    @admin.display(description=_("last error"))
    def error(self, obj: OutboundEmail) -> str:
        return Truncator(obj.last_error).chars(100)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
