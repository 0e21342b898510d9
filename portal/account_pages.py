"""The signed-in reader's own pages: the welcome after verification and My account.

They gather what several apps hold (the profile, the newsletter subscription, the download
history), so they live in the site layer, which may use every app.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django import forms
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import ProfileForm
from accounts.guards import has_verified_email
from alerts.models import SavedSearch
from api import tokens
from api.forms import ApiTokenForm
from lightboxes.selectors import collections_of
from media_library.models import Download
from newsletter import subscriptions
from newsletter.models import Subscription

RECENT_DOWNLOADS = 50


class NewsletterPreferenceForm(forms.Form):
    subscribed = forms.BooleanField(label=gettext_lazy("Send me the newsletter"), required=False)


def safe_next(request: HttpRequest, default: str = "/") -> str:
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


@login_required
@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest) -> HttpResponse:
    """After verification: the success message and the newsletter offer, then `next`."""
    next_url = safe_next(request)
    if request.method == "POST":
        if request.POST.get("subscribe") == "yes":
            subscriptions.subscribe(user=request.user, source=Subscription.Source.SIGNUP)
            messages.success(request, _("You are subscribed to our newsletter."))
        # A URL, never a view name: redirect() would try to reverse "next=0" and fail.
        return HttpResponseRedirect(next_url)
    return render(
        request,
        "accounts/welcome.html",
        {
            "next_url": next_url,
            "already_subscribed": subscriptions.is_subscribed(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_account(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile_form = ProfileForm(instance=user)
    if request.method == "POST":
        profile_form = ProfileForm(request.POST, instance=user)
        if profile_form.is_valid():
            profile_form.save()
            messages.success(request, _("Your profile has been updated."))
            return redirect("accounts:my_account")
    return render(
        request,
        "accounts/my_account.html",
        {
            "profile_form": profile_form,
            "newsletter_form": NewsletterPreferenceForm(
                initial={"subscribed": subscriptions.is_subscribed(user)}
            ),
            "alert_count": SavedSearch.objects.of(user).count(),
            "email_addresses": EmailAddress.objects.filter(user=user).order_by("-primary"),
            # A clip's download names its range (the clips app's record of it).
            "downloads": Download.objects.for_user(user).select_related("clip_download")[
                :RECENT_DOWNLOADS
            ],
            # Each with its private feed's address, revocable here (lightboxes).
            "collections": collections_of(user),
        },
    )


@login_required
@require_POST
def newsletter_preference(request: HttpRequest) -> HttpResponse:
    form = NewsletterPreferenceForm(request.POST)
    if form.is_valid() and form.cleaned_data["subscribed"]:
        subscriptions.subscribe(user=request.user, source=Subscription.Source.ACCOUNT)
        messages.success(request, _("You are subscribed to our newsletter."))
    else:
        subscriptions.unsubscribe(user=request.user, source=Subscription.Source.ACCOUNT)
        messages.success(request, _("You will no longer receive our newsletter."))
    return redirect("accounts:my_account")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The reader's API tokens: create one (its secret shown on this response only), see when
    each was last used, revoke. Only a verified account may create one."""
    user = request.user
    verified = has_verified_email(user)
    form = ApiTokenForm()
    issued = None
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if not verified:
            messages.warning(request, _("Verify your email address to create API tokens."))
            return redirect("accounts:api_tokens")
        if form.is_valid():
            issued = tokens.create_token(user=user, name=form.cleaned_data["name"])
            form = ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "verified": verified,
            "issued": issued,
            "tokens": tokens.tokens_of(user),
        },
        status=201 if issued else 200,
    )


@login_required
@require_POST
def revoke_api_token(request: HttpRequest, token_id: int) -> HttpResponse:
    if tokens.revoke_token(user=request.user, token_id=token_id):
        messages.success(request, _("The token has been revoked."))
    return redirect("accounts:api_tokens")
