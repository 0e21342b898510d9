"""The main journeys, in headless Chromium against the live server."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports the missing service
    expect = None

from e2e.conftest import DESKTOP, NEW_PASSWORD, PASSWORD, PHONE, code_from, screenshot
from e2e.flows import log_in


def field(page, label: str):
    """The form control with this label, whatever suffix (":", " :") the language adds."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\s*:?$"))


pytestmark = pytest.mark.integration


def test_visitor_registers_from_a_video_verifies_the_code_subscribes_and_downloads_it(
    page, catalogue, mailoutbox, tmp_path
):
    video_url = catalogue.video.get_absolute_url()

    page.goto("/")
    screenshot(page, "home")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Videos").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Videos")
    expect(page.get_by_role("heading", name="3 videos")).to_be_visible()
    screenshot(page, "catalogue")
    screenshot(page, "catalogue-phone", phone=True)
    # On a phone the filters come first; one link jumps past them to the results.
    jump = page.get_by_role("link", name="Go to the results")
    expect(jump).to_be_hidden()
    page.set_viewport_size(PHONE)
    jump.click()
    expect(page).to_have_url(re.compile("#results-heading$"))
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name=catalogue.video.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(catalogue.video.title)
    expect(page.locator("video source")).to_have_attribute("type", "video/mp4")
    screenshot(page, "video")
    screenshot(page, "video-phone", phone=True)

    # Anonymous: Download asks for an account first, and remembers the video.
    page.get_by_role("link", name=f"Download {catalogue.rendition.label}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    # The login page says why, and that registering is free.
    expect(
        page.get_by_text(
            f"Log in or register — free for journalists — to download “{catalogue.video.title}”."
        )
    ).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    expect(page.get_by_text("at least 12 characters").first).to_be_visible()
    screenshot(page, "registration-phone", phone=True)

    field(page, "First name").fill("Ada")
    field(page, "Last name").fill("Reporter")
    field(page, "Organisation / media outlet").fill("Europe Broadcast News")
    field(page, "Country").select_option(label="France")
    field(page, "Email").fill("ada@ebn.example")
    field(page, "Password").fill(PASSWORD)
    field(page, "Password (again)").fill(PASSWORD)
    field(page, "I accept the terms of use").check()
    screenshot(page, "registration")
    page.get_by_role("button", name="Create an account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your inbox and enter verification code"
    )
    expect(page.get_by_text("This code will expire in 30 minutes.")).to_be_visible()
    screenshot(page, "verification-code")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ada@ebn.example"]
    page.get_by_role("textbox").fill(code_from(mailoutbox[0]))
    page.get_by_role("button", name="Verify").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You have successfully created your account"
    )
    screenshot(page, "welcome")
    page.get_by_role("button", name="Subscribe to our newsletter").click()

    # Back at the video's download buttons.
    expect(page).to_have_url(re.compile(re.escape(video_url + "#download") + "$"))
    expect(page.get_by_text("You are subscribed to our newsletter.")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name=f"Download {catalogue.rendition.label}").click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    catalogue.rendition.file.open("rb")
    with catalogue.rendition.file as stored:
        assert saved.read_bytes() == stored.read()
    assert saved.stat().st_size == catalogue.rendition.file_size
    assert download.suggested_filename.endswith(".mp4")

    page.get_by_role("link", name="My account").click()
    history = page.get_by_role("table", name="Your downloads, newest first")
    expect(history.get_by_role("link", name=catalogue.video.title)).to_be_visible()
    screenshot(page, "my-account")

    from accounts.models import User

    user = User.objects.get(email="ada@ebn.example")
    assert user.organisation == "Europe Broadcast News"
    assert user.newsletter_subscription.is_active


def test_forgotten_password_is_reset_by_code_and_the_user_returns_and_logs_in(
    page, catalogue, journalist, mailoutbox
):
    video_url = catalogue.video.get_absolute_url()
    page.goto(video_url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in").click()
    page.get_by_role("link", name="Forgot your password?").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Reset password")
    expect(page.get_by_text("Enter the email address you registered with")).to_be_visible()
    screenshot(page, "reset-password")
    field(page, "Email").fill(journalist.email)
    page.get_by_role("button", name="Reset password").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your inbox and enter verification code"
    )
    screenshot(page, "reset-code")
    page.get_by_role("textbox").fill(code_from(mailoutbox[-1]))
    page.get_by_role("button", name="Verify").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Create a new password")
    expect(page.get_by_text("at least 12 characters").first).to_be_visible()
    screenshot(page, "new-password")
    field(page, "New Password").fill(NEW_PASSWORD)
    field(page, "New Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save new password").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your password has been updated")
    screenshot(page, "password-updated")
    page.get_by_role("link", name="Return and log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    field(page, "Email").fill(journalist.email)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()  # the old password is refused

    field(page, "Password").fill(NEW_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(video_url) + "$"))
    expect(page.get_by_role("link", name="My account")).to_be_visible()


def test_editor_writes_previews_and_publishes_a_speech_that_the_public_then_sees(
    new_context, transactional_db
):
    from accounts.roles import ensure_editor_group
    from accounts.tests.factories import UserFactory

    editor = UserFactory(email="editor@portal.example", is_staff=True)
    editor.groups.add(ensure_editor_group())
    page = new_context().new_page()

    page.goto(reverse("admin:index"))  # the site's login, with its lockout, then back
    log_in(page, email=editor.email, password=PASSWORD)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.locator("tr.model-speech").get_by_role("link", name="Add").click()

    field(page, "Title").fill("Press point after the Defence Ministers' meeting")
    field(page, "Title").press("Tab")  # the admin fills the slug in as the editor types
    expect(field(page, "Slug")).to_have_value("press-point-after-the-defence-ministers-meeting")
    field(page, "Transcript").fill("Good afternoon.\n\nWe agreed to *strengthen* our defences.")
    field(page, "Speaker").fill("Jane Speaker")
    field(page, "Speaker's role").fill("NATO Spokesperson")
    field(page, "Event").fill("Meeting of Defence Ministers")
    field(page, "Place").fill("Brussels, Belgium")
    field(page, "Date delivered").fill("2025-06-05")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    screenshot(page, "admin-speech-draft")

    public_url = "/speeches/press-point-after-the-defence-ministers-meeting/"
    reader = new_context().new_page()
    assert reader.goto(public_url).status == 404  # a draft is not public

    page.get_by_role("link", name="View on site").click()
    expect(page.get_by_text("Draft: the public cannot see this speech.")).to_be_visible()
    expect(page.locator("article em")).to_have_text("strengthen")
    screenshot(page, "admin-speech-preview")

    page.goto(reverse("admin:speeches_speech_changelist"))
    row = page.get_by_role("row", name=re.compile("Press point after the Defence Ministers"))
    row.get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Publish the selected speeches now")
    page.locator("button[name=index]").click()  # "Go"
    expect(page.locator(".messagelist")).to_contain_text("1 speech published.")

    assert reader.goto(public_url).status == 200
    expect(reader.get_by_role("heading", level=1)).to_have_text(
        "Press point after the Defence Ministers' meeting"
    )
    expect(reader.locator("article")).to_contain_text("We agreed to strengthen our defences.")
    reader.goto(reverse("speeches:speech_list"))
    expect(
        reader.get_by_role("link", name="Press point after the Defence Ministers' meeting")
    ).to_be_visible()
    screenshot(reader, "speech-published")


def test_switching_to_french_keeps_the_user_on_the_same_page(page, catalogue):
    video_url = catalogue.video.get_absolute_url()
    page.goto(video_url + "?from=home")

    footer = page.get_by_role("contentinfo")
    field(footer, "Language").select_option(label="Français")
    footer.get_by_role("button", name="Change").click()

    expect(page).to_have_url(re.compile(re.escape(video_url + "?from=home") + "$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Télécharger")).to_be_visible()
    expect(page.get_by_role("navigation", name="Menu principal")).to_be_visible()
    screenshot(page, "video-fr")

    # The choice sticks for the next pages, and switching back works the same way.
    page.get_by_role("link", name="Vidéos").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vidéos")
    field(footer, "Langue").select_option(label="English")
    footer.get_by_role("button", name="Changer").click()
    expect(page).to_have_url(re.compile(r"/videos/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Videos")
