from __future__ import annotations

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from django import forms
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.hashers import make_password
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.adapter import RETURN_TO_SESSION_KEY
from accounts.models import User
from accounts.validators import MAX_PASSWORD_LENGTH
from accounts.widgets import LongSelect

# The profile fields' widgets on the signup and profile forms, each with the autocomplete token
# the browser fills it in from.
PROFILE_WIDGETS = {
    "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
    "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
    "organisation": forms.TextInput(attrs={"autocomplete": "organization"}),
    "country": LongSelect(attrs={"autocomplete": "country"}),
}


def _required_profile_text(name: str, label: str) -> forms.CharField:
    """Signup's required field for the user's text field `name`: its length, its widget."""
    return forms.CharField(
        label=label, max_length=User._meta.get_field(name).max_length, widget=PROFILE_WIDGETS[name]
    )


class SignupForm(allauth_forms.SignupForm):
    first_name = _required_profile_text("first_name", _("First name"))
    last_name = _required_profile_text("last_name", _("Last name"))
    organisation = _required_profile_text("organisation", _("Organisation / media outlet"))
    country = forms.ChoiceField(
        label=_("Country"),
        choices=lambda: [("", _("Select your country")), *countries],
        widget=PROFILE_WIDGETS["country"],
    )
    accept_terms = forms.BooleanField(
        label=_("I accept the terms of use"),
        error_messages={"required": _("You must accept the terms of use to create an account.")},
    )

    field_order = [
        "first_name",
        "last_name",
        "organisation",
        "country",
        "email",
        "password1",
        "password2",
        "accept_terms",
    ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("email", "password1", "password2", "first_name", "last_name", "organisation"):
            self.fields[name].widget.attrs.pop("placeholder", None)
        self.fields["accept_terms"].help_text = format_html(
            '<a href="{}">{}</a>', reverse("terms"), _("Read the terms of use")
        )

    def signup(self, request: HttpRequest, user: User) -> None:
        """Extra fields are saved by the adapter's save_user()."""

    def try_save(self, request: HttpRequest):
        if self.account_already_exists:
            # A new account costs one password hash; the answer for an address that is
            # already registered must cost the same, or its timing tells the two apart.
            make_password(self.cleaned_data.get("password1") or "")
        return super().try_save(request)


class LoginForm(allauth_forms.LoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # No real password is this long; refusing it here spares a slow hash of junk.
        self.fields["password"].validators.append(MaxLengthValidator(MAX_PASSWORD_LENGTH))
        # The template links to the reset page itself, keeping `next` (allauth's link drops it).
        self.fields["password"].help_text = ""
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    """Remembers the page the user came from, for the "password updated" page's button."""

    def save(self, request: HttpRequest, **kwargs) -> str:
        return_to = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
        if return_to and get_adapter(request).is_safe_url(return_to):
            request.session[RETURN_TO_SESSION_KEY] = return_to
        else:
            request.session.pop(RETURN_TO_SESSION_KEY, None)
        return super().save(request, **kwargs)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "organisation", "country"]
        widgets = PROFILE_WIDGETS

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "organisation", "country"):
            self.fields[name].required = True


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_(
            "Deleting your account removes your profile, your download history and "
            "your newsletter subscription. This cannot be undone."
        ),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your current password."))
        return password
