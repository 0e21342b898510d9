"""Demo accounts for the one-command run: an editor who can use the admin."""

from __future__ import annotations

import os
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings

from accounts.models import User
from accounts.roles import ensure_editor_group

DEMO_EDITOR_EMAIL = "editor@example.org"


def load(*, stdout) -> None:
    # The published demo password must never open a production admin (issue 22): with DEBUG
    # off the demo editor gets a random one, printed once, unless the operator chose one.
    default = "Editor-Demo-2026!" if settings.DEBUG else secrets.token_urlsafe(18)
    password = os.environ.get("DEMO_EDITOR_PASSWORD") or default
    editor, _ = User.objects.get_or_create(
        email=DEMO_EDITOR_EMAIL,
        defaults={"first_name": "Demo", "last_name": "Editor", "is_staff": True},
    )
    # Reset every run, so that the credentials printed below always work.
    editor.set_password(password)
    editor.save()
    editor.groups.add(ensure_editor_group())
    EmailAddress.objects.update_or_create(
        user=editor, email=DEMO_EDITOR_EMAIL, defaults={"verified": True, "primary": True}
    )
    stdout.write(
        f"Demo editor: {DEMO_EDITOR_EMAIL} / {password}  (sign in at /admin/ or on the site)"
    )
