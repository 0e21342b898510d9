"""The promises the pages and docs make about emailed codes, with their literal numbers.

Every code lives 30 minutes, counted from its sending, and 5 wrong codes kill it: allauth
counts a wrong code, and at the 5th (failed attempts >= 5) aborts the flow, so after 4 wrong
codes the right one still works and after 5 it no longer does. The numbers are written here,
not read from the settings: changing a promise means changing this test.
Code emails are written in the language of the page that asked for them.
"""

from __future__ import annotations

import time

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import translation

from accounts.tests.conftest import CODE_PATTERN, NEW_PASSWORD, code_in
from accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

CODE_PAGE = reverse("account_email_verification_sent")
EMAIL_PAGE = reverse("account_email")
RESET = reverse("account_reset_password")
RESET_CODE = reverse("account_confirm_password_reset_code")
NEW_PASSWORD_PAGE = reverse("account_complete_password_reset")
WELCOME = reverse("accounts:welcome")
NEW_ADDRESS = "new@desk.example"

JUST_BEFORE_30_MINUTES = 29 * 60 + 59
JUST_AFTER_30_MINUTES = 30 * 60 + 1
LIFETIMES = pytest.mark.parametrize(
    ("elapsed", "accepted"),
    [(JUST_BEFORE_30_MINUTES, True), (JUST_AFTER_30_MINUTES, False)],
    ids=["at-29m59s-accepted", "at-30m01s-refused"],
)
ATTEMPTS = pytest.mark.parametrize(
    ("wrong_codes", "accepted"),
    [(4, True), (5, False)],
    ids=["after-4-wrong-alive", "after-5-wrong-dead"],
)


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A French request leaves French active in this thread; the next test expects English."""
    yield
    translation.deactivate()


@pytest.fixture
def frozen():
    with time_machine.travel(time.time(), tick=False) as traveller:
        yield traveller


def wrong(code: str) -> str:
    """A well-formed code that is not `code`."""
    first = "B" if code[0] != "B" else "C"
    return first + code[1:]


# --- Signup: verifying the address ------------------------------------------------------------


@LIFETIMES
def test_the_signup_code_works_for_30_minutes_from_its_sending(
    register, submit, mailoutbox, frozen, elapsed, accepted
):
    register()
    code = code_in(mailoutbox[-1].body)
    frozen.shift(elapsed)

    response = submit(CODE_PAGE, {"code": code})

    assert EmailAddress.objects.filter(verified=True).exists() is accepted
    assert response.status_code == 302
    assert response.url.startswith(WELCOME if accepted else reverse("account_login"))


@ATTEMPTS
def test_the_signup_code_survives_4_wrong_codes_and_dies_at_the_5th(
    register, submit, mailoutbox, wrong_codes, accepted
):
    register()
    code = code_in(mailoutbox[-1].body)

    responses = [submit(CODE_PAGE, {"code": wrong(code)}) for _ in range(wrong_codes)]
    response = submit(CODE_PAGE, {"code": code})

    assert [r.status_code for r in responses[:4]] == [200, 200, 200, 200]
    assert all("Incorrect code." in r.content.decode() for r in responses[:4])
    if wrong_codes == 5:  # the 5th wrong code ends the flow: back to log in
        assert responses[4].status_code == 302
        assert responses[4].url.startswith(reverse("account_login"))
    assert EmailAddress.objects.filter(verified=True).exists() is accepted
    assert response.url.startswith(WELCOME) is accepted


# --- Password reset -----------------------------------------------------------------------------


@LIFETIMES
def test_the_reset_code_works_for_30_minutes_from_its_sending(
    submit, user, mailoutbox, frozen, elapsed, accepted
):
    submit(RESET, {"email": user.email})
    code = code_in(mailoutbox[-1].body)
    frozen.shift(elapsed)

    response = submit(RESET_CODE, {"code": code})

    assert response.status_code == 302
    assert response.url.startswith(NEW_PASSWORD_PAGE) is accepted
    if accepted:
        response = submit(NEW_PASSWORD_PAGE, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) is accepted
    assert user.check_password(DEFAULT_PASSWORD) is not accepted


@ATTEMPTS
def test_the_reset_code_survives_4_wrong_codes_and_dies_at_the_5th(
    client, submit, user, mailoutbox, wrong_codes, accepted
):
    submit(RESET, {"email": user.email})
    code = code_in(mailoutbox[-1].body)

    responses = [submit(RESET_CODE, {"code": wrong(code)}) for _ in range(wrong_codes)]
    response = submit(RESET_CODE, {"code": code})

    assert [r.status_code for r in responses[:4]] == [200, 200, 200, 200]
    assert all("Incorrect code." in r.content.decode() for r in responses[:4])
    if wrong_codes == 5:
        assert responses[4].status_code == 302
    assert response.status_code == 302
    assert response.url.startswith(NEW_PASSWORD_PAGE) is accepted
    # Only a confirmed code opens the new-password page.
    assert (client.get(NEW_PASSWORD_PAGE).status_code == 200) is accepted


# --- Changing the email address (allauth 65: by code, the verification flow's settings) ---------


@pytest.fixture
def change_address(client, submit, user, mailoutbox):
    """A signed-in reader asks to change their address; returns the code sent to the new one."""

    def _change(address: str = NEW_ADDRESS) -> str:
        client.force_login(user)
        response = submit(EMAIL_PAGE, {"action_add": "", "email": address})
        assert response.status_code == 302
        assert response.url == CODE_PAGE
        assert mailoutbox[-1].to == [address]
        return code_in(mailoutbox[-1].body)

    return _change


def new_address_verified() -> bool:
    return EmailAddress.objects.filter(email=NEW_ADDRESS, verified=True).exists()


@LIFETIMES
def test_the_email_change_code_works_for_30_minutes_from_its_sending(
    change_address, submit, frozen, elapsed, accepted
):
    code = change_address()
    frozen.shift(elapsed)

    response = submit(CODE_PAGE, {"code": code})

    assert response.status_code == 302
    assert new_address_verified() is accepted
    if not accepted:  # the flow is gone: back to the addresses page
        assert response.url == EMAIL_PAGE


@ATTEMPTS
def test_the_email_change_code_survives_4_wrong_codes_and_dies_at_the_5th(
    change_address, submit, wrong_codes, accepted
):
    code = change_address()

    responses = [submit(CODE_PAGE, {"code": wrong(code)}) for _ in range(wrong_codes)]
    submit(CODE_PAGE, {"code": code})

    assert [r.status_code for r in responses[:4]] == [200, 200, 200, 200]
    assert all("Incorrect code." in r.content.decode() for r in responses[:4])
    if wrong_codes == 5:
        assert responses[4].status_code == 302
    assert new_address_verified() is accepted


# --- The language of code emails ------------------------------------------------------------


FRENCH_VERIFICATION = (
    "Votre code de vérification",
    "Saisissez ce code pour vérifier votre adresse électronique :",
    "Ce code expire dans 30 minutes.",
)
ENGLISH_VERIFICATION = (
    "Your verification code",
    "Enter this code to verify your email address:",
    "The code expires in 30 minutes.",
)


def assert_written_in(message, subject: str, *lines: str, lang: str) -> None:
    assert message.subject.endswith(subject), message.subject
    for line in lines:
        assert line in message.body, message.body
    assert CODE_PATTERN.search(message.body)
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'<html lang="{lang}">' in html


@pytest.mark.parametrize(
    ("cookie", "accept_language", "expected", "lang"),
    [
        ("fr", None, FRENCH_VERIFICATION, "fr"),
        (None, "fr", FRENCH_VERIFICATION, "fr"),
        (None, "en", ENGLISH_VERIFICATION, "en"),
        ("en", "fr", ENGLISH_VERIFICATION, "en"),  # the page's choice beats the browser's
    ],
    ids=["french-by-cookie", "french-by-browser", "english", "english-chosen-on-a-french-browser"],
)
def test_the_signup_code_email_is_written_in_the_language_of_the_page(
    client, submit, registration_data, mailoutbox, cookie, accept_language, expected, lang
):
    if cookie:
        client.cookies["django_language"] = cookie
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}
    page = client.get(reverse("account_signup"), **headers)
    assert f'<html lang="{lang}"' in page.content.decode()

    submit(reverse("account_signup"), registration_data, **headers)

    subject, *lines = expected
    assert_written_in(mailoutbox[-1], subject, *lines, lang=lang)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_reset_code_email_is_written_in_the_language_of_the_page(
    submit, user, mailoutbox, lang
):
    submit(RESET, {"email": user.email}, HTTP_ACCEPT_LANGUAGE=lang)

    if lang == "fr":
        subject, intro = (
            "Votre code de réinitialisation du mot de passe",
            "Saisissez ce code pour réinitialiser votre mot de passe :",
        )
        expiry = "Ce code expire dans 30 minutes."
    else:
        subject, intro = "Your password reset code", "Enter this code to reset your password:"
        expiry = "The code expires in 30 minutes."
    assert_written_in(mailoutbox[-1], subject, intro, expiry, lang=lang)
