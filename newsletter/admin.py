from __future__ import annotations

from csp.decorators import csp_replace
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from core.admin import RecordAdmin
from newsletter import sending
from newsletter.models import Delivery, Issue, Subscription
from newsletter.rendering import IssueRenderer

EDITABLE_FIELDS = ["subject", "intro", "featured_videos", "featured_speeches"]

# The email's own styles and its pictures (absolute URLs on SITE_URL or the media host), in a
# sandboxed frame of the admin only; nothing else may load or run in it.
EMAIL_PREVIEW_CSP = {
    "default-src": ["'none'"],
    "script-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["https:", "http:", "data:"],
    "font-src": ["'none'"],
    "connect-src": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'self'"],
}


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    change_form_template = "newsletter/admin/issue_change_form.html"
    list_display = [
        "subject",
        "status",
        "progress_summary",
        "send_started_at",
        "send_finished_at",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["subject", "intro"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "status",
        "progress_summary",
        "created_by",
        "created_at",
        "test_sent_at",
        "sent_by",
        "send_started_at",
        "send_finished_at",
    ]

    autocomplete_fields = ["featured_videos", "featured_speeches"]

    def get_fields(self, request: HttpRequest, obj: Issue | None = None) -> list[str]:
        if obj is None:
            return list(EDITABLE_FIELDS)
        return [*EDITABLE_FIELDS, *self.readonly_fields]

    def has_change_permission(self, request: HttpRequest, obj: Issue | None = None) -> bool:
        if obj is not None and not obj.is_draft:
            # What was sent is the record of what subscribers received: shown read-only, with
            # no Save buttons, and a POST is refused.
            return False
        return super().has_change_permission(request, obj)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).with_progress()

    def save_model(self, request: HttpRequest, obj: Issue, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Issue | None = None) -> bool:
        if obj is not None and not obj.is_draft:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=gettext_lazy("progress"))
    def progress_summary(self, obj: Issue) -> str:
        if obj.pk is None:
            return "—"
        if hasattr(obj, "deliveries_total"):
            total, sent = obj.deliveries_total, obj.deliveries_sent
            failed, pending = obj.deliveries_failed, obj.deliveries_pending
        else:
            progress = obj.progress()
            total, sent = progress["total"], progress[Delivery.Status.SENT]
            failed, pending = progress[Delivery.Status.FAILED], progress[Delivery.Status.PENDING]
        if not total:
            return _("not sent yet") if obj.is_draft else _("no subscribers")
        url = reverse("admin:newsletter_delivery_changelist") + f"?issue__id__exact={obj.pk}"
        return format_html(
            '<a href="{}">{}</a>',
            url,
            _("%(sent)s sent · %(failed)s failed · %(pending)s pending (of %(total)s)")
            % {"sent": sent, "failed": failed, "pending": pending, "total": total},
        )

    # --- Preview, test send, send to all ---------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:issue_id>/preview/", wrap(self.preview_view), name="newsletter_issue_preview"
            ),
            path(
                "<int:issue_id>/preview/email/",
                wrap(self.preview_email_view),
                name="newsletter_issue_preview_email",
            ),
            path(
                "<int:issue_id>/send-test/",
                wrap(require_POST(self.send_test_view)),
                name="newsletter_issue_send_test",
            ),
            path("<int:issue_id>/send/", wrap(self.send_view), name="newsletter_issue_send"),
            *super().get_urls(),
        ]

    def _issue_or_404(self, request: HttpRequest, issue_id: int) -> Issue:
        issue = get_object_or_404(Issue, pk=issue_id)
        if not self.has_view_permission(request, issue):
            raise PermissionDenied
        return issue

    def _change_url(self, issue: Issue) -> str:
        return reverse("admin:newsletter_issue_change", args=[issue.pk])

    def preview_view(self, request: HttpRequest, issue_id: int) -> HttpResponse:
        issue = self._issue_or_404(request, issue_id)
        text, _html = IssueRenderer(issue).render(user=request.user)
        return TemplateResponse(
            request,
            "newsletter/admin/preview.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": issue,
                "title": _("Preview: %(subject)s") % {"subject": issue.subject},
                "text_body": text,
            },
        )

    @method_decorator(xframe_options_sameorigin)
    @method_decorator(csp_replace(EMAIL_PREVIEW_CSP))
    def preview_email_view(self, request: HttpRequest, issue_id: int) -> HttpResponse:
        """The HTML part alone, exactly as sent, for the preview's frame: with a policy of its
        own, since the admin's (no inline style) would strip the email of its styles."""
        issue = self._issue_or_404(request, issue_id)
        _text, html = IssueRenderer(issue).render(user=request.user)
        return HttpResponse(html)

    def send_test_view(self, request: HttpRequest, issue_id: int) -> HttpResponse:
        issue = self._issue_or_404(request, issue_id)
        if not self.has_change_permission(request, issue):
            raise PermissionDenied
        try:
            sending.send_test_issue(issue=issue, to_user=request.user)
        except ValidationError as error:
            self._refused(request, error)
        else:
            self.message_user(
                request,
                _("A test of this issue is on its way to %(email)s.")
                % {"email": request.user.email},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(self._change_url(issue))

    def _refused(self, request: HttpRequest, error: ValidationError) -> None:
        for message in error.messages:
            self.message_user(
                request, _("Nothing was sent. %(reason)s") % {"reason": message}, messages.ERROR
            )

    def send_view(self, request: HttpRequest, issue_id: int) -> HttpResponse:
        issue = self._issue_or_404(request, issue_id)
        if not request.user.has_perm("newsletter.send_issue"):
            raise PermissionDenied
        if request.method == "POST":
            try:
                sending.send_issue(issue_id=issue.pk, sent_by=request.user)
            except sending.IssueAlreadySent:
                self.message_user(
                    request,
                    _("This issue has already been sent; it is sent only once."),
                    messages.ERROR,
                )
            except ValidationError as error:
                self._refused(request, error)
            else:
                self.message_user(
                    request,
                    _("Sending has started. Progress is shown below."),
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(self._change_url(issue))
        return TemplateResponse(
            request,
            "newsletter/admin/confirm_send.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": issue,
                "title": _("Send “%(subject)s” to all subscribers?") % {"subject": issue.subject},
                "subscriber_count": Subscription.objects.active().count(),
            },
        )


@admin.register(Delivery)
class DeliveryAdmin(RecordAdmin):
    list_display = ["email", "issue", "status", "attempts", "sent_at", "last_attempt_at"]
    list_filter = ["status", "issue"]
    search_fields = ["email", "last_error"]
    list_select_related = ["issue"]
    readonly_fields = [
        "issue",
        "subscription",
        "email",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "last_attempt_at",
        "sent_at",
    ]
    fields = readonly_fields


@admin.register(Subscription)
class SubscriptionAdmin(RecordAdmin):
    """Consent is the subscriber's to give or withdraw (My account, the unsubscribe links),
    each change with its record: editors read it, nobody types it in or deletes it here."""

    list_display = [
        "user",
        "is_active",
        "consent_at",
        "consent_source",
        "unsubscribed_at",
        "unsubscribe_source",
    ]
    list_filter = ["is_active", "consent_source", "unsubscribe_source"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    readonly_fields = list_display
