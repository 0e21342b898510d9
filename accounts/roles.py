"""The newsroom editor role: everything editors need in the admin, and nothing else.

Kept in code and applied after every `migrate` (permissions only exist once their models are
migrated), so a new model in an editorial app reaches the group without a hand-written step.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

EDITORS_GROUP = "Editors"
EDITORIAL_APPS = ("media_library", "speeches", "newsletter")


def ensure_editor_group() -> Group:
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    permissions = Permission.objects.filter(content_type__app_label__in=EDITORIAL_APPS)
    group.permissions.set(permissions)
    return group
