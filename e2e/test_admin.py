"""The editors' admin in Chromium at 1280 px: lists that fit beside their filters, the
newsletter preview as subscribers get it, and a rendition upload that shows its progress."""

from __future__ import annotations

import re
import shutil

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from e2e.conftest import PASSWORD, assert_no_horizontal_overflow, screenshot
from e2e.flows import log_in

pytestmark = pytest.mark.integration


@pytest.fixture
def editor_page(new_context, transactional_db):
    from accounts.roles import ensure_editor_group
    from accounts.tests.factories import UserFactory

    editor = UserFactory(email="editor@portal.example", is_staff=True, first_name="Eda")
    editor.groups.add(ensure_editor_group())
    page = new_context().new_page()
    page.goto(reverse("admin:index"))
    log_in(page, email=editor.email, password=PASSWORD)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    return page


def test_the_video_and_speech_lists_fit_1280_px_beside_short_filters(editor_page, catalogue):
    for name in ("media_library_video", "speeches_speech"):
        editor_page.goto(reverse(f"admin:{name}_changelist"))

        assert_no_horizontal_overflow(editor_page)
        table = editor_page.locator("#result_list")
        # Every column shown, none scrolled out of its box.
        assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth"), name
        assert table.evaluate("t => t.getBoundingClientRect().right") <= 1280
        # Only the countries and languages in use: not a sidebar of every one in the world.
        sidebar = editor_page.locator("#changelist-filter").evaluate("f => f.scrollHeight")
        assert sidebar < 1600, (name, sidebar)
        screenshot(editor_page, f"admin-{name}-list")


def test_the_newsletter_preview_shows_the_email_whole_and_with_its_styles(editor_page):
    from newsletter.tests.factories import IssueFactory

    issue = IssueFactory(subject="Summit special")

    editor_page.goto(reverse("admin:newsletter_issue_preview", args=[issue.pk]))

    frame = editor_page.frame_locator("iframe.email-preview")
    expect(frame.get_by_role("heading", name="Summit special")).to_be_visible()
    expect(frame.locator("body")).to_contain_text("Dear Eda,")
    # The email's own style attributes apply (the admin's policy would have dropped them).
    font = frame.locator("body").evaluate("b => getComputedStyle(b).fontFamily")
    assert font.startswith("Arial"), font
    heading = frame.locator("h1")
    written = re.search(r"color:\s*#([0-9a-f]{6})", heading.get_attribute("style"), re.I)
    assert written, "the email's heading has a colour of its own"
    red, green, blue = (int(written.group(1)[i : i + 2], 16) for i in (0, 2, 4))
    colour = heading.evaluate("h => getComputedStyle(h).color")
    assert colour == f"rgb({red}, {green}, {blue})", colour
    # Not clipped: the frame is as tall as the email.
    heights = editor_page.locator("iframe.email-preview").evaluate(
        "f => [f.clientHeight, f.contentDocument.documentElement.scrollHeight]"
    )
    assert heights[0] >= heights[1], heights
    screenshot(editor_page, "admin-newsletter-preview")


def test_a_rendition_upload_shows_its_progress_and_ends_on_the_saved_page(
    editor_page, demo_clip, tmp_path
):
    from media_library.models import Rendition
    from media_library.tests.factories import VideoFactory

    video = VideoFactory(title="Upload target")
    master = tmp_path / "master.mp4"
    shutil.copy(demo_clip, master)
    with master.open("ab") as handle:  # a few MB, sent at 2 MB/s: the bar has time to move
        handle.write(b"\0" * 6_000_000)
    network = editor_page.context.new_cdp_session(editor_page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 2e6},
    )
    editor_page.goto(reverse("admin:media_library_rendition_add") + f"?video={video.pk}")
    editor_page.get_by_label("Label").fill("Master")
    editor_page.locator("input[type=file][name=file]").set_input_files(str(master))

    editor_page.get_by_role("button", name="Save", exact=True).click()

    progress = editor_page.locator(".upload-progress progress")
    expect(progress).to_be_visible()
    expect(editor_page.locator(".upload-progress")).to_contain_text("MB")
    expect(editor_page.locator(".messagelist")).to_contain_text("is being ingested", timeout=60_000)
    expect(editor_page).to_have_url(re.compile(r"/admin/media_library/rendition/$"))
    rendition = Rendition.objects.get(video=video)
    assert rendition.label == "Master"
    assert rendition.file.size == master.stat().st_size
