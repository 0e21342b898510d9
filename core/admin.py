"""Admin pieces shared by the apps' admins."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core import publishing
from core.publishable import PublicationStatus, Publishable

PUBLICATION_FORM_FIELDS = {"status", "published_at"}


class PublishableAdmin(admin.ModelAdmin):
    """The publication fields of the form and the publish/unpublish actions go through
    `core.publishing`, like the beat tasks and the commands: one set of rules for all."""

    actions = ["publish_selected", "unpublish_selected"]
    # Each admin words these for its own items, and its app's catalogue translates them: the
    # actions' labels, and their messages as ngettext_lazy(..., "count").
    publish_label: str
    unpublish_label: str
    published_message: str
    unpublished_message: str

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request)

    def save_model(self, request: HttpRequest, obj: Publishable, form, change: bool) -> None:
        chosen = PUBLICATION_FORM_FIELDS & set(form.changed_data)
        if not chosen:
            super().save_model(request, obj, form, change)
            return
        status, at = obj.status, obj.published_at
        # The row keeps its state until the service changes it, under its lock.
        obj.status = form.initial.get("status", PublicationStatus.DRAFT)
        obj.published_at = form.initial.get("published_at")
        super().save_model(request, obj, form, change)
        changed = publishing.set_state(item=obj, status=status, at=at)
        obj.status, obj.published_at = changed.status, changed.published_at

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        for name, label in (
            ("publish_selected", self.publish_label),
            ("unpublish_selected", self.unpublish_label),
        ):
            if name in actions:
                actions[name] = (actions[name][0], name, label)
        return actions

    @admin.action(permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        items = list(queryset)
        for item in items:
            publishing.publish(item=item)
        self.message_user(request, self.published_message % {"count": len(items)}, messages.SUCCESS)

    @admin.action(permissions=["publish"])
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        items = list(queryset)
        for item in items:
            publishing.unpublish(item=item)
        self.message_user(
            request, self.unpublished_message % {"count": len(items)}, messages.SUCCESS
        )


class ChoicesInUseFieldListFilter(admin.AllValuesFieldListFilter):
    """A choice field's filter that lists only the values the items use, by their labels: the
    whole list (about 250 countries, 100 languages) made the sidebar thousands of pixels tall."""

    def choices(self, changelist):
        labels = {str(value): str(label) for value, label in self.field.flatchoices}
        used = [str(value) for value in self.lookup_choices if value is not None]
        choices = super().choices(changelist)
        yield next(choices)  # "All"
        named = []
        for value, choice in zip(used, choices, strict=False):
            label = labels.get(value) or value or str(self.empty_value_display)
            # The display is the value, or the value then its facet count: keep the count.
            display = label + choice["display"][len(value) :]
            named.append((not value, label.casefold(), {**choice, "display": display}))
        # By label in the page's language; items with no value last.
        for *_order, choice in sorted(named, key=lambda entry: entry[:2]):
            yield choice
        yield from choices  # NULL, when some items have none


class RecordAdmin(admin.ModelAdmin):
    """A record kept as it happened (a download, a consent): editors may read it, nobody may
    add, change or delete it in the admin. It goes only with the account it belongs to."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
