"""How the portal customises allauth: email through the outbox, code lifetimes, redirects."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import LOGIN_SESSION_KEY
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from core.site import site_url
from mailer.services import queue_email

RETURN_TO_SESSION_KEY = "accounts_return_to"


def email_paragraphs(text: str, *, code: str | None = None) -> list[dict[str, object]]:
    """The text body's paragraphs for the HTML part, the one that is the code (if any)
    marked, so that the eye finds it at once."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]
    return [{"text": block, "is_code": bool(code) and block == str(code)} for block in blocks]


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render now, in the request's language; a Celery worker sends it via the outbox.

        Only strings leave the request: the context holds a request, a user and lazy strings.
        """
        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            "site_name": settings.SITE_NAME,
            # SITE_URL, not the request's Host: a link in an email must reach the portal.
            "site_url": f"{site_url()}/",
            "code_lifetime_minutes": settings.ACCOUNT_CODE_LIFETIME_SECONDS // 60,
        }
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        html_body = next(
            (
                content
                for content, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            None,
        ) or render_to_string(
            "account/email/message.html",
            {
                "subject": message.subject,
                "paragraphs": email_paragraphs(message.body, code=ctx.get("code")),
                "site_name": settings.SITE_NAME,
                "language_code": get_language(),
            },
        )
        queue_email(
            to=list(message.to),
            subject=str(message.subject),
            text_body=str(message.body),
            html_body=html_body,
            from_email=message.from_email,
            headers=dict(message.extra_headers),
            category=template_prefix.rsplit("/", 1)[-1],
        )

    def send_confirmation_mail(self, request: HttpRequest, emailconfirmation, signup: bool) -> None:
        """Every code sent gets the full lifetime, counted from this sending.

        allauth counts a code's lifetime (and the pending signup's) from the first code; a
        resent code would then die early, although the page promises 30 minutes.
        """
        state = getattr(emailconfirmation, "state", None)
        if isinstance(state, dict):
            state["at"] = time.time()
            pending_login = request.session.get(LOGIN_SESSION_KEY)
            if isinstance(pending_login, dict):
                pending_login["initiated_at"] = time.time()
                request.session[LOGIN_SESSION_KEY] = pending_login
        super().send_confirmation_mail(request, emailconfirmation, signup)

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.organisation = data.get("organisation", "")
        user.country = data.get("country", "")
        user.terms_accepted_at = timezone.now() if data.get("accept_terms") else None
        if commit:
            user.save()
        return user

    def post_login(
        self, request: HttpRequest, user, *, signup: bool, **kwargs: Any
    ) -> HttpResponse:
        """After signing up and verifying, show the welcome page before going on to `next`."""
        response = super().post_login(request, user, signup=signup, **kwargs)
        if signup and isinstance(response, HttpResponseRedirect):
            welcome = reverse("accounts:welcome")
            return HttpResponseRedirect(f"{welcome}?{urlencode({'next': response.url})}")
        return response
