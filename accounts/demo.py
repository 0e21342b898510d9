"""Demo accounts for the one-command run: an editor who can use the admin."""

from __future__ import annotations

import os

from allauth.account.models import EmailAddress

from accounts.models import User
from accounts.roles import ensure_editor_group

DEMO_EDITOR_EMAIL = "editor@example.org"


def load(*, stdout) -> None:
    password = os.environ.get("DEMO_EDITOR_PASSWORD", "Editor-Demo-2026!")
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
