"""Newsroom editors created by an operator (`manage.py create_editor`): there is no user admin.

An editor is a verified, staff account in the Editors group (`accounts.roles`). Creating one
for an address that already has an account makes that account an editor with the new
password: the command doubles as the operator's password reset.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from accounts.models import User
from accounts.roles import ensure_editor_group


@transaction.atomic
def create_or_update_editor(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    superuser: bool = False,
) -> tuple[User, bool]:
    """The editor's account and whether it was created. Raises ValidationError, and changes
    nothing, when the password breaks the site's rules."""
    email = User.objects.normalize_email(email).strip()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User(email=email)
    if first_name:
        user.first_name = first_name
    if last_name:
        user.last_name = last_name
    validate_password(password, user)
    user.set_password(password)
    user.is_staff = True
    user.is_active = True
    if superuser:
        user.is_superuser = True
    user.save()
    user.groups.add(ensure_editor_group())
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(primary=False)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, created
