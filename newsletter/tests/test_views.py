from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from newsletter import subscriptions, unsubscribe
from newsletter.models import Subscription
from newsletter.tests.factories import SubscriptionFactory, UserFactory

pytestmark = pytest.mark.django_db

ONE_CLICK_BODY = "List-Unsubscribe=One-Click"


@pytest.fixture
def subscription():
    return SubscriptionFactory()


@pytest.fixture
def token(subscription) -> str:
    return unsubscribe.unsubscribe_token(user=subscription.user)


@pytest.fixture
def strict_client() -> Client:
    """A client that enforces CSRF like a real browser session would."""
    return Client(enforce_csrf_checks=True)


def one_click(client: Client, token: str, body: str = ONE_CLICK_BODY):
    return client.post(
        reverse("newsletter:one_click", kwargs={"token": token}),
        body,
        content_type="application/x-www-form-urlencoded",
    )


# --- Subscribing through the pages ------------------------------------------------------------


def test_the_welcome_offer_subscribes_in_one_click(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("accounts:welcome"), {"subscribe": "yes", "next": "/videos/"})

    assert response.status_code == 302 and response["Location"] == "/videos/"
    subscription = Subscription.objects.get(user=user)
    assert subscription.is_active and subscription.consent_source == "signup"


def test_my_account_toggle_subscribes_and_unsubscribes(client):
    user = UserFactory()
    client.force_login(user)
    url = reverse("accounts:newsletter_preference")

    client.post(url, {"subscribed": "on"})
    assert subscriptions.is_subscribed(user)

    client.post(url, {})
    subscription = Subscription.objects.get(user=user)
    assert not subscription.is_active and subscription.unsubscribe_source == "account"


# --- The unsubscribe link ---------------------------------------------------------------------


def test_following_the_link_asks_for_confirmation_and_changes_nothing(client, subscription, token):
    response = client.get(reverse("newsletter:unsubscribe", kwargs={"token": token}))

    assert response.status_code == 200
    assert subscription.user.email in response.content.decode()
    assert b'<button type="submit"' in response.content
    subscription.refresh_from_db()
    assert subscription.is_active


def test_confirming_unsubscribes_without_login_and_records_when_and_how(
    client, subscription, token
):
    url = reverse("newsletter:unsubscribe", kwargs={"token": token})
    client.get(url)

    response = client.post(url)

    assert response.status_code == 200
    assert b"You have been unsubscribed" in response.content
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.unsubscribe_source == Subscription.Source.UNSUBSCRIBE_LINK
    assert subscription.unsubscribed_at is not None


def test_the_confirmation_form_is_protected_against_cross_site_posts(
    strict_client, subscription, token
):
    response = strict_client.post(reverse("newsletter:unsubscribe", kwargs={"token": token}))

    assert response.status_code == 403
    subscription.refresh_from_db()
    assert subscription.is_active


def test_an_altered_link_gets_a_clear_page_and_changes_nothing(client, subscription, token):
    forged = token[:-2] + ("xx" if not token.endswith("xx") else "yy")
    url = reverse("newsletter:unsubscribe", kwargs={"token": forged})

    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400
        assert b"This unsubscribe link is not valid" in response.content
    subscription.refresh_from_db()
    assert subscription.is_active


def test_a_link_for_a_deleted_account_is_not_found(client):
    user = UserFactory()
    token = unsubscribe.unsubscribe_token(user=user)
    user.delete()

    response = client.get(reverse("newsletter:unsubscribe", kwargs={"token": token}))

    assert response.status_code == 404


# --- RFC 8058 one-click -----------------------------------------------------------------------


def test_one_click_post_unsubscribes_with_no_login_and_no_csrf_token(
    strict_client, subscription, token
):
    response = one_click(strict_client, token)

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.unsubscribe_source == Subscription.Source.ONE_CLICK
    assert subscription.unsubscribed_at is not None


def test_one_click_get_does_not_unsubscribe(client, subscription, token):
    response = client.get(reverse("newsletter:one_click", kwargs={"token": token}))

    assert response.status_code == 405
    subscription.refresh_from_db()
    assert subscription.is_active


@pytest.mark.parametrize("body", ["", "List-Unsubscribe=Yes", "unsubscribe=1"])
def test_one_click_needs_the_exact_rfc8058_body(strict_client, subscription, token, body):
    response = one_click(strict_client, token, body)

    assert response.status_code == 400
    subscription.refresh_from_db()
    assert subscription.is_active


def test_one_click_with_a_forged_token_changes_nothing(strict_client, subscription, token):
    other = SubscriptionFactory()
    forged = (
        unsubscribe.unsubscribe_token(user=other.user).split(":")[0] + ":" + token.split(":")[1]
    )

    response = one_click(strict_client, forged)

    assert response.status_code == 400
    subscription.refresh_from_db()
    other.refresh_from_db()
    assert subscription.is_active and other.is_active


def test_one_click_is_idempotent(strict_client, subscription, token):
    assert one_click(strict_client, token).status_code == 200
    assert one_click(strict_client, token).status_code == 200

    subscription.refresh_from_db()
    assert not subscription.is_active


def test_the_unsubscribe_pages_speak_french(client, subscription, token):
    url = reverse("newsletter:unsubscribe", kwargs={"token": token})

    response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")

    assert '<h1 id="unsubscribe-heading">Se désabonner de la lettre' in response.content.decode()
