"""The journalist's first visit, across the layers: register, verify the emailed code,
answer the newsletter offer on the welcome page, and land back where they started."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from accounts.tests.conftest import code_in
from newsletter.models import Subscription

pytestmark = pytest.mark.django_db

CODE_PAGE = reverse("account_email_verification_sent")


def test_journalist_registers_verifies_the_emailed_code_subscribes_and_returns_to_the_video(
    client, register, submit, mailoutbox
):
    video_page = "/videos/some-video/"

    response = register(next_url=video_page)

    assert response.status_code == 302
    assert response.url.startswith(CODE_PAGE)
    page = client.get(response.url).content.decode()
    assert "Check your inbox and enter verification code" in page
    assert "This code will expire in 30 minutes." in page
    assert "Send new code" in page
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["ada@ebn.example"]
    assert email.alternatives and email.alternatives[0][1] == "text/html"

    response = submit(CODE_PAGE, {"code": code_in(email.body), "next": video_page})

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:welcome"))
    page = client.get(response.url).content.decode()
    assert "You have successfully created your account" in page
    assert "From now on you can download videos from our website" in page
    assert "Subscribe to our newsletter" in page

    response = client.post(reverse("accounts:welcome"), {"subscribe": "yes", "next": video_page})

    assert response.status_code == 302
    assert response.url == video_page
    user = User.objects.get(email="ada@ebn.example")
    assert user.organisation == "Europe Broadcast News"
    assert user.country.code == "FR"
    assert user.terms_accepted_at is not None
    assert EmailAddress.objects.get(user=user).verified
    subscription = Subscription.objects.get(user=user)
    assert subscription.is_active
    assert subscription.consent_source == Subscription.Source.SIGNUP
    assert client.get(reverse("accounts:my_account")).status_code == 200


def test_declining_the_newsletter_is_one_click_and_records_no_consent(
    client, register, submit, mailoutbox
):
    register(next_url="/speeches/")
    response = submit(CODE_PAGE, {"code": code_in(mailoutbox[0].body)})
    welcome = response.url

    response = client.post(welcome, {"subscribe": "no", "next": "/speeches/"})

    assert response.url == "/speeches/"
    assert not Subscription.objects.filter(is_active=True).exists()
