from __future__ import annotations

import pytest

from accounts.roles import ensure_editor_group


@pytest.fixture
def editor(db, django_user_model):
    """A newsroom editor: staff, in the Editors group, not a superuser."""
    user = django_user_model.objects.create_user(
        email="editor@example.org", password="Editor-pass-1234!", is_staff=True
    )
    user.groups.add(ensure_editor_group())
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
