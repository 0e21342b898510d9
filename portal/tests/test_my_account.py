from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.http import HttpResponse
from django.urls import reverse

from accounts.guards import verified_account_required
from accounts.models import User
from accounts.tests.conftest import code_in
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from newsletter.models import Subscription

pytestmark = pytest.mark.django_db

MY_ACCOUNT = reverse("accounts:my_account")


def test_my_account_needs_a_login(client):
    response = client.get(MY_ACCOUNT)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_journalist_edits_the_profile(client, user):
    client.force_login(user)

    response = client.post(
        MY_ACCOUNT,
        {
            "first_name": "Nadia",
            "last_name": "Kovac",
            "organisation": "Radio Free Desk",
            "country": "HR",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.organisation, user.country.code) == (
        "Nadia",
        "Radio Free Desk",
        "HR",
    )


def test_profile_with_a_missing_field_is_refused_with_a_message(client, user):
    client.force_login(user)

    response = client.post(
        MY_ACCOUNT, {"first_name": "", "last_name": "K", "organisation": "X", "country": "HR"}
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_newsletter_can_be_switched_on_and_off_in_my_account(client, user):
    client.force_login(user)

    client.post(reverse("accounts:newsletter_preference"), {"subscribed": "on"})
    subscription = Subscription.objects.get(user=user)
    assert subscription.is_active
    assert subscription.consent_source == Subscription.Source.ACCOUNT

    client.post(reverse("accounts:newsletter_preference"), {})
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.unsubscribed_at is not None


def test_deleting_the_account_needs_the_password_and_removes_its_data(client, user):
    client.force_login(user)
    Subscription.objects.create(user=user, is_active=True)

    response = client.post(reverse("accounts:delete_account"), {"password": "wrong"})
    assert response.status_code == 200
    assert "This is not your current password." in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()

    response = client.post(reverse("accounts:delete_account"), {"password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not EmailAddress.objects.filter(email=user.email).exists()
    assert not Subscription.objects.exists()
    assert "_auth_user_id" not in client.session


def test_changing_the_email_address_is_verified_by_a_code(client, submit, user, mailoutbox):
    client.force_login(user)

    response = submit(reverse("account_email"), {"action_add": "", "email": "new@desk.example"})

    assert response.status_code == 302
    code = code_in(mailoutbox[-1].body)
    assert mailoutbox[-1].to == ["new@desk.example"]
    response = submit(reverse("account_email_verification_sent"), {"code": code})
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new@desk.example").verified


def test_download_guard_sends_anonymous_users_to_log_in_and_back(rf, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    @verified_account_required(next_url=lambda request, slug: f"/videos/{slug}/")
    def download(request, slug):
        return HttpResponse("the file")

    request = rf.post("/videos/summit/renditions/1/download/")
    request.user = AnonymousUser()
    response = download(request, slug="summit")

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=%2Fvideos%2Fsummit%2F"


def test_pages_ask_the_database_once_per_session_whether_the_address_is_verified(
    rf, django_assert_num_queries
):
    """The download buttons' check is remembered for the user it was seen for: the second
    page view asks nothing; another user in the same session is asked again."""
    from django.contrib.auth import SESSION_KEY

    from accounts.guards import session_has_verified_email

    verified, other = UserFactory(), UserFactory(verified=False)
    request = rf.get("/videos/")
    request.user = verified
    request.session = {SESSION_KEY: str(verified.pk)}

    with django_assert_num_queries(1):
        assert session_has_verified_email(request) is True
    with django_assert_num_queries(0):
        assert session_has_verified_email(request) is True

    request.user = other
    request.session[SESSION_KEY] = str(other.pk)
    with django_assert_num_queries(1):
        assert session_has_verified_email(request) is False


def test_download_guard_lets_verified_accounts_through_and_stops_unverified_ones(rf):
    @verified_account_required()
    def download(request):
        return HttpResponse("the file")

    verified = UserFactory()
    unverified = UserFactory(verified=False)
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = rf.get("/x/")
    request.user = verified
    assert download(request).content == b"the file"

    request = rf.get("/x/")
    request.user = unverified
    request.session = {}
    request._messages = FallbackStorage(request)
    response = download(request)
    assert response.status_code == 302
    assert response.url == reverse("account_email")


def test_repeated_failed_logins_are_rate_limited(client, user):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})

    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )

    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
    assert "Too many" in response.content.decode()
