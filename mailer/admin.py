from django.contrib import admin

from mailer.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = [
        "subject",
        "recipients",
        "category",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "category"]
    search_fields = ["subject", "to"]
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

    @admin.display(description="recipients")
    def recipients(self, obj: OutboundEmail) -> str:
        return ", ".join(obj.to)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
