from __future__ import annotations

import pytest

from newsletter.models import Subscription
from newsletter.tests.conftest import expected_links
from newsletter.tests.factories import SubscriptionFactory, UserFactory
from newsletter.unsubscribe import (
    InvalidUnsubscribeToken,
    UnsubscribeLinks,
    unsubscribe_token,
    unsubscribe_with_token,
    user_for_unsubscribe_token,
)

pytestmark = pytest.mark.django_db


def test_unsubscribe_token_names_its_subscriber():
    user = UserFactory()

    token = unsubscribe_token(user=user)

    assert user_for_unsubscribe_token(token) == user
    assert token != unsubscribe_token(user=UserFactory())


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.replace(token.split(":")[0], "eyJ1Ijo5OTl9"),
        lambda token: "not-a-token",
        lambda token: "",
    ],
    ids=["altered-signature", "swapped-payload", "garbage", "empty"],
)
def test_forged_or_altered_tokens_are_refused(forge):
    token = unsubscribe_token(user=UserFactory())

    with pytest.raises(InvalidUnsubscribeToken):
        user_for_unsubscribe_token(forge(token))


@pytest.mark.parametrize(
    "payload",
    [[7], "7", 7, None, {"u": "7"}, {"user": 7}],
    ids=["list", "string", "number", "null", "id-as-text", "no-u"],
)
def test_a_token_we_signed_over_something_other_than_a_user_id_is_refused(payload):
    """Our signature on a payload we never issue (a token from another feature sharing the
    salt, an old format) is refused as invalid, never a server error nor a guessed user."""
    from django.core import signing

    from newsletter.unsubscribe import UNSUBSCRIBE_SALT

    UserFactory(pk=7)
    token = signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(payload)

    with pytest.raises(InvalidUnsubscribeToken):
        user_for_unsubscribe_token(token)


def test_each_subscriber_gets_links_with_their_own_token(site_url):
    ada, bo = UserFactory(), UserFactory()
    links = UnsubscribeLinks()

    assert links.for_user(ada.pk) == expected_links(ada)
    assert links.for_user(bo.pk) == expected_links(bo)
    assert expected_links(ada)["one_click"] == (
        f"{site_url}/newsletter/unsubscribe/{unsubscribe_token(user=ada)}/one-click/"
    )


def test_a_token_unsubscribes_its_subscriber_and_records_how():
    subscription = SubscriptionFactory()

    unsubscribe_with_token(
        token=unsubscribe_token(user=subscription.user), source=Subscription.Source.ONE_CLICK
    )

    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.unsubscribe_source == "one_click"
