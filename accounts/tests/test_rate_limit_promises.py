"""Each of the nine `ACCOUNT_RATE_LIMITS`, with its literal figure, through the real views.

For a limit of N per window: N requests go through, the next is refused, a moment before the
window ends it is still refused, and once the window has passed it goes through again. The
numbers are written here, not read from the settings. Time is frozen and moved by hand; the
counts live in the test's own cache (conftest `_isolated_cache`).
"""

from __future__ import annotations

import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.tests.conftest import NEW_PASSWORD, code_in
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")
LOGIN = reverse("account_login")
CODE_PAGE = reverse("account_email_verification_sent")
RESET = reverse("account_reset_password")
RESET_CODE = reverse("account_confirm_password_reset_code")
NEW_PASSWORD_PAGE = reverse("account_complete_password_reset")
CHANGE_PASSWORD = reverse("account_change_password")
EMAIL_PAGE = reverse("account_email")
ANOTHER_IP = "192.0.2.7"


@pytest.fixture
def frozen():
    with time_machine.travel(time.time(), tick=False) as traveller:
        yield traveller


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_signup_allows_20_per_minute_per_ip(client, frozen):
    for _ in range(20):
        assert client.post(SIGNUP, {}).status_code == 200  # the form, with its errors
    assert client.post(SIGNUP, {}).status_code == 429
    assert Client().post(SIGNUP, {}).status_code == 429  # a new browser, the same address
    assert Client(REMOTE_ADDR=ANOTHER_IP).post(SIGNUP, {}).status_code == 200

    frozen.shift(59)
    assert client.post(SIGNUP, {}).status_code == 429
    frozen.shift(2)
    assert client.post(SIGNUP, {}).status_code == 200


def test_login_allows_30_per_minute_per_ip(client, frozen):
    for _ in range(30):
        assert client.post(LOGIN, {}).status_code == 200
    assert client.post(LOGIN, {}).status_code == 429
    assert Client().post(LOGIN, {}).status_code == 429
    assert Client(REMOTE_ADDR=ANOTHER_IP).post(LOGIN, {}).status_code == 200

    frozen.shift(59)
    assert client.post(LOGIN, {}).status_code == 429
    frozen.shift(2)
    assert client.post(LOGIN, {}).status_code == 200


def log_in(client: Client, email: str, password: str):
    return client.post(LOGIN, {"login": email, "password": password})


def test_failed_logins_allow_5_per_300_seconds_per_email(client, user, frozen):
    for _ in range(5):
        response = log_in(client, user.email, "Wrong-password-1!")
        assert "The email address and/or password you specified are not correct." in (
            response.content.decode()
        )
    # The 6th attempt is refused even with the right password, from any address.
    response = log_in(Client(REMOTE_ADDR=ANOTHER_IP), user.email, DEFAULT_PASSWORD)
    assert "Too many failed login attempts." in response.content.decode()
    assert not signed_in(client)

    frozen.shift(299)
    response = log_in(client, user.email, DEFAULT_PASSWORD)
    assert "Too many failed login attempts." in response.content.decode()
    frozen.shift(2)
    assert log_in(client, user.email, DEFAULT_PASSWORD).status_code == 302
    assert signed_in(client)


def test_failed_logins_allow_10_per_minute_per_ip(client, user, frozen):
    for n in range(10):  # ten different emails: the per-email limit never comes into play
        response = log_in(client, f"guess{n}@nowhere.example", "Wrong-password-1!")
        assert "not correct" in response.content.decode()
    response = log_in(client, user.email, DEFAULT_PASSWORD)
    assert "Too many failed login attempts." in response.content.decode()
    assert not signed_in(client)
    other = Client(REMOTE_ADDR=ANOTHER_IP)
    assert log_in(other, user.email, DEFAULT_PASSWORD).status_code == 302

    frozen.shift(59)
    response = log_in(Client(), user.email, DEFAULT_PASSWORD)
    assert "Too many failed login attempts." in response.content.decode()
    frozen.shift(2)
    assert log_in(client, user.email, DEFAULT_PASSWORD).status_code == 302


def test_verification_codes_are_sent_at_most_1_per_10_seconds_per_address(
    register, submit, mailoutbox, frozen
):
    register()
    assert len(mailoutbox) == 1

    frozen.shift(9)
    assert submit(CODE_PAGE, {"action": "resend"}).status_code == 429
    assert len(mailoutbox) == 1
    frozen.shift(2)
    assert submit(CODE_PAGE, {"action": "resend"}).status_code == 302
    assert len(mailoutbox) == 2


def test_password_reset_requests_allow_5_per_minute_per_email(
    client, submit, user, mailoutbox, frozen
):
    for _ in range(5):
        assert submit(RESET, {"email": user.email}).status_code == 302
    assert len(mailoutbox) == 5
    # The 6th for that address is refused, from any address; another email still gets one.
    assert Client(REMOTE_ADDR=ANOTHER_IP).post(RESET, {"email": user.email}).status_code == 429
    assert submit(RESET, {"email": "other@newsroom.example"}).status_code == 302
    assert len(mailoutbox) == 6

    frozen.shift(59)
    assert submit(RESET, {"email": user.email}).status_code == 429
    frozen.shift(2)
    assert submit(RESET, {"email": user.email}).status_code == 302
    assert len(mailoutbox) == 7


def test_password_reset_requests_allow_20_per_minute_per_ip(client, submit, frozen):
    for n in range(20):  # twenty different emails
        assert submit(RESET, {"email": f"reader{n}@newsroom.example"}).status_code == 302
    assert submit(RESET, {"email": "reader20@newsroom.example"}).status_code == 429
    other = Client(REMOTE_ADDR=ANOTHER_IP)
    assert other.post(RESET, {"email": "reader20@newsroom.example"}).status_code == 302

    frozen.shift(59)
    assert submit(RESET, {"email": "reader21@newsroom.example"}).status_code == 429
    frozen.shift(2)
    assert submit(RESET, {"email": "reader21@newsroom.example"}).status_code == 302


def test_the_new_password_page_allows_20_posts_per_minute_per_ip(
    client, submit, user, mailoutbox, frozen
):
    submit(RESET, {"email": user.email})
    submit(RESET_CODE, {"code": code_in(mailoutbox[-1].body)})
    mismatched = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}

    for _ in range(20):
        assert client.post(NEW_PASSWORD_PAGE, mismatched).status_code == 200
    assert client.post(NEW_PASSWORD_PAGE, mismatched).status_code == 429
    frozen.shift(59)
    assert client.post(NEW_PASSWORD_PAGE, mismatched).status_code == 429
    frozen.shift(2)

    matching = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(NEW_PASSWORD_PAGE, matching).status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_changing_the_password_allows_5_posts_per_minute_per_user(user, frozen):
    client = logged_in(user)
    for _ in range(5):
        assert client.post(CHANGE_PASSWORD, {}).status_code == 200
    assert client.post(CHANGE_PASSWORD, {}).status_code == 429
    assert logged_in(user).post(CHANGE_PASSWORD, {}).status_code == 429  # the same user
    assert logged_in(UserFactory()).post(CHANGE_PASSWORD, {}).status_code == 200

    frozen.shift(59)
    assert client.post(CHANGE_PASSWORD, {}).status_code == 429
    frozen.shift(2)
    assert client.post(CHANGE_PASSWORD, {}).status_code == 200


def test_managing_email_addresses_allows_10_posts_per_minute_per_user(user, frozen):
    client = logged_in(user)
    for _ in range(10):
        assert client.post(EMAIL_PAGE, {}).status_code == 302
    assert client.post(EMAIL_PAGE, {}).status_code == 429
    assert logged_in(user).post(EMAIL_PAGE, {}).status_code == 429
    assert logged_in(UserFactory()).post(EMAIL_PAGE, {}).status_code == 302

    frozen.shift(59)
    assert client.post(EMAIL_PAGE, {}).status_code == 429
    frozen.shift(2)
    assert client.post(EMAIL_PAGE, {}).status_code == 302


@pytest.mark.xfail(
    strict=True,
    reason=(
        'allauth 65.22 reads no "change_email" rate limit (grep its source: no view or flow '
        'consumes the action); an address change is limited only by "manage_email" (10/m/user) '
        'and "confirm_email" (1/10s per address). This test passes, and so fails as strict '
        "xfail, once the portal enforces its 3/m/user."
    ),
)
def test_changing_the_email_address_allows_3_per_minute_per_user(
    user, django_capture_on_commit_callbacks, mailoutbox, frozen
):
    client = logged_in(user)

    def change_to(address: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(EMAIL_PAGE, {"action_add": "", "email": address})

    for n in range(3):
        assert change_to(f"new{n}@desk.example").url == CODE_PAGE
    sent = len(mailoutbox)
    response = change_to("new3@desk.example")
    assert response.status_code == 429 or response.url != CODE_PAGE
    assert len(mailoutbox) == sent
