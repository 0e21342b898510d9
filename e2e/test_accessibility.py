"""Accessibility in the browser: axe-core (WCAG 2.1 A/AA) on every public and account page,
in English and in French; keyboard use; error messages tied to their fields; no JavaScript."""

from __future__ import annotations

import pytest
from django.urls import reverse

from e2e.conftest import NEW_PASSWORD, axe_violations, code_from, screenshot
from e2e.flows import enter_code, fill_registration, submit

pytestmark = pytest.mark.integration


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
    page.goto(reverse("terms"))
    visit("terms")
    response = page.goto("/no-such-page/")
    assert response.status == 404
    visit("404")
    page.goto(reverse("account_login"))
    visit("login")

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
    page.goto(reverse("accounts:delete_account"))
    visit("delete-account")
    from accounts.models import User
    from newsletter.services import unsubscribe_token

    user = User.objects.get(email="ada@ebn.example")
    page.goto(reverse("newsletter:unsubscribe", args=[unsubscribe_token(user=user)]))
    visit("unsubscribe")
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


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_has_no_wcag_21_aa_violation(
    language, new_context, live_server, catalogue, mailoutbox
):
    context = new_context()
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    found: dict[str, list[str]] = {}

    def visit(name: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, name
        screenshot(page, f"a11y-{language}-{name}")
        found[name] = [str(v) for v in axe_violations(page)]

    walk_every_page(page, catalogue, mailoutbox, visit)

    assert len(found) == 20
    report = "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)
    assert not report, f"axe-core found WCAG 2.1 A/AA violations ({language}):\n{report}"
