"""Steps that several browser tests share. Fields are found by name, so they work in any
language; the journeys themselves use the visible labels and button texts."""

from __future__ import annotations

from django.urls import reverse

from e2e.conftest import NEW_PASSWORD, PASSWORD, code_from

REGISTRATION = {
    "first_name": "Ada",
    "last_name": "Reporter",
    "organisation": "Europe Broadcast News",
    "email": "ada@ebn.example",
}


def fill_registration(page, *, email: str = REGISTRATION["email"], password: str = PASSWORD):
    for name, value in {**REGISTRATION, "email": email}.items():
        page.locator(f"form [name={name}]").fill(value)
    page.locator("form [name=country]").select_option("FR")
    page.locator("form [name=password1]").fill(password)
    page.locator("form [name=password2]").fill(password)
    page.locator("form [name=accept_terms]").check()


def submit(page, form_selector: str = "main form") -> None:
    """Press the form's submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(form_selector).locator("button[type=submit]").first.click()


def enter_code(page, code: str) -> None:
    page.locator("main form [name=code]").fill(code)
    submit(page)


def log_in(page, *, email: str, password: str) -> None:
    page.locator("main form [name=login]").fill(email)
    page.locator("main form [name=password]").fill(password)
    submit(page)


PAGES = [
    "home", "catalogue", "catalogue-no-results", "video", "speeches", "speech", "quotes", "terms",
    "api-docs", "404",
    "login", "login-errors", "registration", "registration-errors", "verification-code",
    "welcome", "my-account", "api-tokens", "api-token-created", "change-password", "email-addresses", "delete-account",
    "unsubscribe", "unsubscribed", "reset-password", "reset-code", "new-password",
    "password-updated",
]  # fmt: skip


def walk_every_page(page, catalogue, mailoutbox, visit) -> None:
    """Visit each public and account page once, as a new journalist would meet them."""
    page.goto("/")
    visit("home")
    page.goto(reverse("media_library:video_list"))
    visit("catalogue")
    page.goto(reverse("media_library:video_list") + "?q=zzzz-nothing-matches")
    visit("catalogue-no-results")
    page.goto(catalogue.video.get_absolute_url())
    visit("video")
    page.goto(reverse("speeches:speech_list"))
    visit("speeches")
    page.goto(catalogue.speech.get_absolute_url())
    visit("speech")
    page.goto(reverse("quote_search") + "?q=Excellencies")
    visit("quotes")
    page.goto(reverse("terms"))
    visit("terms")
    page.goto(reverse("api:docs"))
    visit("api-docs")
    response = page.goto("/no-such-page/")
    assert response.status == 404
    visit("404")
    page.goto(reverse("account_login"))
    visit("login")
    log_in(page, email="nobody@ebn.example", password=PASSWORD)  # no such account
    visit("login-errors")

    page.goto(reverse("account_signup") + "?next=" + catalogue.video.get_absolute_url())
    visit("registration")
    submit(page)  # the empty form
    visit("registration-errors")
    fill_registration(page)
    submit(page)
    visit("verification-code")
    enter_code(page, code_from(mailoutbox[-1]))
    visit("welcome")
    submit(page, "main form")  # "Subscribe to our newsletter"
    assert page.url.endswith(catalogue.video.get_absolute_url())

    page.goto(reverse("accounts:my_account"))
    visit("my-account")
    page.goto(reverse("accounts:api_tokens"))
    visit("api-tokens")
    page.locator("main form [name=name]").fill("Ingest server")
    submit(page, "main form:not([action*=revoke])")
    visit("api-token-created")
    page.goto(reverse("account_change_password"))
    visit("change-password")
    page.goto(reverse("account_email"))
    visit("email-addresses")
    page.goto(reverse("accounts:delete_account"))
    visit("delete-account")
    from accounts.models import User
    from newsletter.unsubscribe import unsubscribe_token

    user = User.objects.get(email="ada@ebn.example")
    page.goto(reverse("newsletter:unsubscribe", args=[unsubscribe_token(user=user)]))
    visit("unsubscribe")
    submit(page)
    visit("unsubscribed")
    submit(page, "header form")  # log out

    page.goto(reverse("account_reset_password"))
    visit("reset-password")
    page.locator("main form [name=email]").fill(user.email)
    submit(page)
    visit("reset-code")
    enter_code(page, code_from(mailoutbox[-1]))
    visit("new-password")
    page.locator("main form [name=password1]").fill(NEW_PASSWORD)
    page.locator("main form [name=password2]").fill(NEW_PASSWORD)
    submit(page)
    visit("password-updated")
