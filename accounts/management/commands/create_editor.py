"""`manage.py create_editor EMAIL`: an editor's account, without a prompt (docs/operations.md)."""

from __future__ import annotations

import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.editors import create_or_update_editor

PASSWORD_VARIABLE = "PORTAL_EDITOR_PASSWORD"  # noqa: S105 - its name, not a password


class Command(BaseCommand):
    help = (
        "Create an editor (verified, staff, in the Editors group), or make an existing account "
        f"one with a new password. The password comes from standard input (--password-stdin) "
        f"or the {PASSWORD_VARIABLE} environment variable, never from the command line."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password's first line"
        )
        parser.add_argument("--superuser", action="store_true", help="an administrator too")

    def handle(self, *args, **options) -> None:
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = os.environ.get(PASSWORD_VARIABLE, "")
        if not password:
            raise CommandError(
                f"No password: pipe it with --password-stdin or set {PASSWORD_VARIABLE}."
            )
        try:
            user, created = create_or_update_editor(
                email=options["email"],
                password=password,
                first_name=options["first_name"],
                last_name=options["last_name"],
                superuser=options["superuser"],
            )
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        verb = "created" if created else "updated"
        role = "administrator and editor" if user.is_superuser else "editor"
        self.stdout.write(self.style.SUCCESS(f"{role} {user.email} {verb}"))
