from __future__ import annotations

import time

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse

from accounts.models import User
from accounts.tests.conftest import WRONG_CODE, code_in

pytestmark = pytest.mark.django_db

CODE_PAGE = reverse("account_email_verification_sent")


def test_registration_page_shows_the_form_and_the_password_rule(client):
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Create an account" in page
    for label in ("First name", "Last name", "Organisation / media outlet", "Country"):
        assert label in page
    assert "at least 12 characters long, no spaces" in page
    assert "I accept the terms of use" in page


def test_welcome_page_refuses_to_send_the_user_to_another_site(client, user):
    client.force_login(user)

    response = client.post(
        reverse("accounts:welcome"), {"subscribe": "no", "next": "https://evil.example/"}
    )

    assert response.url == "/"


def test_wrong_code_is_rejected_with_a_clear_message(client, register, submit):
    register()

    response = submit(CODE_PAGE, {"code": WRONG_CODE})

    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert not EmailAddress.objects.filter(verified=True).exists()


def test_too_many_wrong_codes_kill_the_code_and_logging_in_sends_a_new_one(
    client, register, submit, submit_wrong_codes, mailoutbox, registration_data
):
    register()
    first_code = code_in(mailoutbox[0].body)

    response = submit_wrong_codes(
        CODE_PAGE, times=settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    # The right code no longer works either: the code is dead.
    response = submit(CODE_PAGE, {"code": first_code})
    assert response.status_code == 302
    assert not EmailAddress.objects.filter(verified=True).exists()

    with time_machine.travel(time.time() + 11):  # past the one-code-per-10-seconds limit
        response = submit(
            reverse("account_login"),
            {"login": registration_data["email"], "password": registration_data["password1"]},
        )

    assert response.url.startswith(CODE_PAGE)
    new_code = code_in(mailoutbox[-1].body)
    assert new_code != first_code
    response = submit(CODE_PAGE, {"code": new_code})
    assert response.status_code == 302
    assert EmailAddress.objects.get(email=registration_data["email"]).verified


def test_expired_code_is_rejected_and_a_new_one_can_be_sent(
    client, register, submit, mailoutbox, registration_data
):
    lifetime = settings.ACCOUNT_CODE_LIFETIME_SECONDS
    with time_machine.travel(time.time(), tick=False) as traveller:
        register()
        code = code_in(mailoutbox[0].body)
        traveller.shift(lifetime + 1)

        response = submit(CODE_PAGE, {"code": code})

        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
        assert not EmailAddress.objects.filter(verified=True).exists()

        response = submit(
            reverse("account_login"),
            {"login": registration_data["email"], "password": registration_data["password1"]},
        )
        assert response.url.startswith(CODE_PAGE)
        response = submit(CODE_PAGE, {"code": code_in(mailoutbox[-1].body)})

    assert response.status_code == 302
    assert EmailAddress.objects.get(email=registration_data["email"]).verified


def test_a_resent_code_lives_its_full_lifetime_counted_from_its_own_sending(
    client, register, submit, mailoutbox
):
    lifetime = settings.ACCOUNT_CODE_LIFETIME_SECONDS
    with time_machine.travel(time.time(), tick=False) as traveller:
        register(next_url="/videos/")
        traveller.shift(lifetime - 60)
        submit(CODE_PAGE, {"action": "resend"})
        assert len(mailoutbox) == 2
        resent_code = code_in(mailoutbox[-1].body)
        # Past the first code's lifetime (and allauth's pending-signup timeout), but well
        # within the resent code's.
        traveller.shift(lifetime - 60)

        response = submit(CODE_PAGE, {"code": resent_code, "next": "/videos/"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:welcome"))
    assert EmailAddress.objects.filter(verified=True).count() == 1


def test_the_replaced_code_stops_working_after_a_resend(client, register, submit, mailoutbox):
    register()
    old_code = code_in(mailoutbox[0].body)
    with time_machine.travel(time.time() + 11):
        submit(CODE_PAGE, {"action": "resend"})

    response = submit(CODE_PAGE, {"code": old_code})

    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()


def test_sending_new_codes_is_rate_limited(client, register, submit, mailoutbox):
    with time_machine.travel(time.time(), tick=False) as traveller:
        register()

        response = submit(CODE_PAGE, {"action": "resend"})

        assert response.status_code == 429
        assert "Too many attempts in a short time" in response.content.decode()
        assert len(mailoutbox) == 1

        for _ in range(settings.ACCOUNT_CODE_MAX_RESENDS):
            traveller.shift(11)
            submit(CODE_PAGE, {"action": "resend"})
        assert len(mailoutbox) == 1 + settings.ACCOUNT_CODE_MAX_RESENDS

        traveller.shift(11)
        page = client.get(CODE_PAGE).content.decode()
        assert "Send new code" not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "This field is required."),
        ("organisation", "", "This field is required."),
        ("country", "XX", "Select a valid choice."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("accept_terms", "", "You must accept the terms of use to create an account."),
        ("password2", "Something-Else-99", "You must type the same password each time."),
    ],
)
def test_malformed_registration_form_says_what_is_wrong_and_creates_nothing(
    register, field, value, message, mailoutbox
):
    response = register(**{field: value})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert mailoutbox == []


def test_registering_an_already_registered_email_looks_exactly_like_a_new_registration(
    client, register, user, mailoutbox
):
    response = register(email=user.email)

    assert response.status_code == 302
    assert response.url.startswith(CODE_PAGE)
    assert User.objects.filter(email=user.email).count() == 1
    # The owner of the address is told, instead of a code.
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]


def test_unverified_account_logging_in_is_sent_to_the_code_page(
    client, submit, unverified_user, mailoutbox
):
    from accounts.tests.factories import DEFAULT_PASSWORD

    response = submit(
        reverse("account_login"), {"login": unverified_user.email, "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url.startswith(CODE_PAGE)
    assert "_auth_user_id" not in client.session
    assert code_in(mailoutbox[-1].body)


def test_verified_account_logs_in_with_email_and_password_and_returns_to_next(client, submit, user):
    from accounts.tests.factories import DEFAULT_PASSWORD

    response = submit(
        reverse("account_login") + "?next=/speeches/",
        {"login": user.email.upper(), "password": DEFAULT_PASSWORD, "next": "/speeches/"},
    )

    assert response.status_code == 302
    assert response.url == "/speeches/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_password_is_refused_with_a_message(client, submit, user):
    response = submit(reverse("account_login"), {"login": user.email, "password": "nope"})

    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )
