"""The portal's password rule, as a Django password validator.

Every form that sets a password shows `get_help_text()`, so the rule is stated wherever it
applies; each broken clause gets a message of its own.
"""

from __future__ import annotations

import re
import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_PASSWORD_LENGTH = 256
SYMBOLS = set(string.punctuation) | {"€", "£", "§", "°", "¤", "¿", "¡", "«", "»"}


class PortalPasswordValidator:
    def __init__(self, min_length: int = 12, max_length: int = MAX_PASSWORD_LENGTH) -> None:
        self.min_length = min_length
        self.max_length = max_length

    def validate(self, password: str, user: object | None = None) -> None:
        errors: list[ValidationError] = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    ngettext(
                        "The password must be at least %(min_length)d character long.",
                        "The password must be at least %(min_length)d characters long.",
                        self.min_length,
                    ),
                    code="password_too_short",
                    params={"min_length": self.min_length},
                )
            )
        if len(password) > self.max_length:
            # Hashing a huge password is slow on purpose: refuse it before anything hashes it.
            errors.append(
                ValidationError(
                    _("The password must be at most %(max_length)d characters long."),
                    code="password_too_long",
                    params={"max_length": self.max_length},
                )
            )
            raise ValidationError(errors)
        if re.search(r"\s", password):
            errors.append(
                ValidationError(
                    _("The password must not contain spaces."), code="password_has_whitespace"
                )
            )
        if not any(ch.isupper() for ch in password):
            errors.append(
                ValidationError(
                    _("The password must include an uppercase letter."),
                    code="password_no_upper",
                )
            )
        if not any(ch.islower() for ch in password):
            errors.append(
                ValidationError(
                    _("The password must include a lowercase letter."),
                    code="password_no_lower",
                )
            )
        if not any(ch.isdigit() for ch in password):
            errors.append(
                ValidationError(_("The password must include a number."), code="password_no_digit")
            )
        if not any(ch in SYMBOLS or not (ch.isalnum() or ch.isspace()) for ch in password):
            errors.append(
                ValidationError(
                    _("The password must include a symbol, such as ! ? # % or &."),
                    code="password_no_symbol",
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _(
            "The password must be at least %(min_length)d characters long, no spaces, "
            "include upper/lowercase letters, numbers and symbols."
        ) % {"min_length": self.min_length}
