from __future__ import annotations

import time

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.tests.conftest import NEW_PASSWORD, code_in
from accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

RESET = reverse("account_reset_password")
RESET_CODE = reverse("account_confirm_password_reset_code")
NEW_PASSWORD_PAGE = reverse("account_complete_password_reset")
LOGIN = reverse("account_login")


def test_login_page_forgot_password_link_keeps_the_page_the_user_came_from(client):
    page = client.get(LOGIN + "?next=/videos/press-conference/").content.decode()

    assert f'href="{RESET}?next=/videos/press-conference/"' in page


def test_forgotten_password_is_reset_by_code_and_the_user_returns_to_the_page_to_log_in(
    client, submit, user, mailoutbox
):
    other_device = Client()
    other_device.force_login(user)
    assert other_device.get(reverse("accounts:my_account")).status_code == 200

    page = client.get(RESET + "?next=/videos/summit/").content.decode()
    assert "Enter the email address you registered with and we will send you a code" in page
    response = submit(RESET, {"email": user.email, "next": "/videos/summit/"})

    assert response.status_code == 302
    assert response.url.startswith(RESET_CODE)
    page = client.get(response.url).content.decode()
    assert "Check your inbox and enter verification code" in page
    assert "This code will expire in 30 minutes." in page
    code = code_in(mailoutbox[-1].body)

    response = submit(RESET_CODE, {"code": code, "next": "/videos/summit/"})

    assert response.url.startswith(NEW_PASSWORD_PAGE)
    page = client.get(NEW_PASSWORD_PAGE).content.decode()
    assert "Create a new password" in page
    assert "at least 12 characters long, no spaces" in page

    response = submit(NEW_PASSWORD_PAGE, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Your password has been updated" in page
    assert "Click the button to return to the page you were on" in page
    assert f'href="{LOGIN}?next=/videos/summit/"' in page

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(DEFAULT_PASSWORD)
    # The session on the other device ended with the reset.
    response = other_device.get(reverse("accounts:my_account"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)
    # A notice that the password changed goes out too.
    assert any("password" in m.subject.lower() for m in mailoutbox[1:])

    response = submit(
        LOGIN + "?next=/videos/summit/",
        {"login": user.email, "password": NEW_PASSWORD, "next": "/videos/summit/"},
    )
    assert response.url == "/videos/summit/"
    assert (
        Client().post(LOGIN, {"login": user.email, "password": DEFAULT_PASSWORD}).status_code == 200
    )


def test_reset_with_an_unknown_email_looks_exactly_like_a_known_one(client, submit, user):
    known = submit(RESET, {"email": user.email})
    known_page = client.get(known.url)
    Client()  # a fresh browser for the other address
    other = Client()
    with_unknown = other.post(RESET, {"email": "nobody@nowhere.example"})
    unknown_page = other.get(with_unknown.url)

    assert known.status_code == with_unknown.status_code == 302
    assert known.url == with_unknown.url
    assert known_page.status_code == unknown_page.status_code == 200
    normalise = lambda page, email: page.content.decode().replace(email, "EMAIL")  # noqa: E731
    known_text = normalise(known_page, user.email)
    unknown_text = normalise(unknown_page, "nobody@nowhere.example")
    strip_csrf = lambda text: "\n".join(  # noqa: E731
        line for line in text.splitlines() if "csrfmiddlewaretoken" not in line
    )
    assert strip_csrf(known_text) == strip_csrf(unknown_text)


def test_wrong_reset_code_is_rejected_and_too_many_end_the_reset(
    client, submit, submit_wrong_codes, user, mailoutbox
):
    submit(RESET, {"email": user.email})

    response = submit_wrong_codes(
        RESET_CODE, times=settings.ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS
    )

    assert response.status_code == 302
    assert client.get(NEW_PASSWORD_PAGE).status_code == 302
    response = submit(RESET_CODE, {"code": code_in(mailoutbox[-1].body)})
    assert response.url.startswith(LOGIN)
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_reset_code_expires_after_its_lifetime(client, submit, user, mailoutbox):
    with time_machine.travel(time.time(), tick=False) as traveller:
        submit(RESET, {"email": user.email})
        code = code_in(mailoutbox[-1].body)
        traveller.shift(settings.ACCOUNT_CODE_LIFETIME_SECONDS + 1)

        response = submit(RESET_CODE, {"code": code})

    assert response.status_code == 302
    assert not response.url.startswith(NEW_PASSWORD_PAGE)


def test_send_new_code_on_the_reset_page_issues_a_fresh_code(client, submit, user, mailoutbox):
    submit(RESET, {"email": user.email, "next": "/speeches/"})
    first = code_in(mailoutbox[-1].body)
    page = client.get(RESET_CODE).content.decode()
    assert "Send new code" in page

    response = submit(RESET, {"email": user.email, "next": "/speeches/"})

    assert response.url.startswith(RESET_CODE)
    second = code_in(mailoutbox[-1].body)
    assert second != first
    assert submit(RESET_CODE, {"code": first}).status_code == 200  # the old code is gone
    assert submit(RESET_CODE, {"code": second}).url.startswith(NEW_PASSWORD_PAGE)


def test_new_password_page_enforces_the_rule(client, submit, user, mailoutbox):
    submit(RESET, {"email": user.email})
    submit(RESET_CODE, {"code": code_in(mailoutbox[-1].body)})

    response = submit(NEW_PASSWORD_PAGE, {"password1": "short", "password2": "short"})

    assert response.status_code == 200
    assert "at least 12 characters long" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
