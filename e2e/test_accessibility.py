"""Accessibility in the browser: axe-core (WCAG 2.1 A/AA) on every public and account page,
in English and in French; keyboard use; error messages tied to their fields; no JavaScript."""

from __future__ import annotations

import pytest
from django.urls import reverse

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports the missing service
    expect = None

from e2e.conftest import (
    DESKTOP,
    PASSWORD,
    PHONE,
    assert_no_horizontal_overflow,
    axe_violations,
    code_from,
    screenshot,
)
from e2e.flows import PAGES, enter_code, fill_registration, log_in, submit, walk_every_page

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("language", "viewport", "scheme"),
    [
        ("en", DESKTOP, "light"),
        ("fr", PHONE, "light"),
        ("en", PHONE, "dark"),
        ("fr", DESKTOP, "dark"),
    ],
    ids=["en-desktop", "fr-phone", "en-phone-dark", "fr-desktop-dark"],
)
def test_every_page_has_no_wcag_21_aa_violation(
    language, viewport, scheme, new_context, live_server, catalogue, mailoutbox
):
    """Each language in each colour scheme (Chromium's emulated prefers-color-scheme), each
    on a desktop screen and a 375-px phone: French has the longer words."""
    context = new_context(viewport=viewport, color_scheme=scheme)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    assert page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches") == (
        scheme == "dark"
    )
    found: dict[str, list[str]] = {}

    def visit(name: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, name
        screenshot(page, f"a11y-{language}-{scheme}-{name}")
        found[name] = [str(v) for v in axe_violations(page)]
        if viewport == PHONE:
            assert_no_horizontal_overflow(page)

    walk_every_page(page, catalogue, mailoutbox, visit)

    assert list(found) == PAGES
    report = "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)
    assert not report, f"axe-core found WCAG 2.1 A/AA violations ({language}, {scheme}):\n{report}"


FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName, id: el.id, text: el.textContent.trim(), href: el.getAttribute("href"),
    outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
    visible: box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0,
  };
}"""


def test_keyboard_user_skips_to_main_and_always_sees_where_the_focus_is(page, catalogue):
    page.goto(catalogue.video.get_absolute_url())

    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert (first["tag"], first["href"], first["text"]) == ("A", "#main", "Skip to main content")
    assert first["visible"], "the skip link must appear when it has the focus"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # The next Tab goes on from the content, not from the header.
    page.keyboard.press("Tab")
    after_skip = page.evaluate(FOCUSED)
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    assert after_skip["tag"] == "A"

    page.goto(reverse("account_login"))
    seen = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] in {"A", "BUTTON", "INPUT", "SELECT"}:
            assert focused["outlineStyle"] != "none" and focused["outlineWidth"] >= 2, focused
            seen.add(focused["tag"])
        if focused["tag"] == "BODY":
            break
    assert {"A", "BUTTON", "INPUT"} <= seen


def _errors_tied_to_fields(page) -> dict[str, str]:
    """Each invalid field's name and the text of the elements its aria-describedby names."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[aria-invalid="true"]')].map(
          el => [el.name, (el.getAttribute('aria-describedby') || '').split(/\\s+/)
            .map(id => document.getElementById(id))
            .map(ref => ref ? ref.textContent.trim() : 'MISSING').join(' | ')]))"""
    )


def test_error_messages_are_announced_with_their_fields(page, catalogue, mailoutbox):
    page.goto(reverse("account_signup"))
    page.locator("main form [name=email]").fill("not-an-email")
    page.locator("main form [name=password1]").fill("short")
    submit(page)

    expect(page.get_by_role("alert")).to_have_text("Please correct the errors below.")
    errors = _errors_tied_to_fields(page)
    assert set(errors) == {
        "first_name", "last_name", "organisation", "country", "email", "password1",
        "password2", "accept_terms",
    }  # fmt: skip
    assert "Enter a valid email address." in errors["email"]
    assert "at least 12 characters" in errors["password1"]
    assert "You must accept the terms of use" in errors["accept_terms"]
    assert all("This field is required." in errors[name] for name in ("first_name", "country"))
    assert not any("MISSING" in text for text in errors.values())

    fill_registration(page)
    submit(page)
    enter_code(page, "BBBB-CCCC")
    assert "Incorrect code." in _errors_tied_to_fields(page)["code"]


def test_registration_and_log_in_work_without_javascript(new_context, catalogue, mailoutbox):
    page = new_context(java_script_enabled=False).new_page()
    video_url = catalogue.video.get_absolute_url()
    page.goto(reverse("account_signup") + f"?next={video_url}")

    fill_registration(page)
    submit(page)
    enter_code(page, code_from(mailoutbox[-1]))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You have successfully created your account"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="No thanks, continue").click()
    assert page.url.endswith(video_url)
    submit(page, "header form")  # log out
    page.goto(video_url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    log_in(page, email="ada@ebn.example", password=PASSWORD)
    assert page.url.endswith(video_url)
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name=f"Download {catalogue.rendition.label}").click()
    assert download.value.suggested_filename.endswith(".mp4")
