"""Collections in Chromium: add from a card and from the video page, share, a colleague
downloads the zip, the owner revokes the link, the colleague is refused."""

from __future__ import annotations

import re
import zipfile

import pytest
from django.urls import reverse

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports the missing service
    expect = None

from e2e.conftest import PASSWORD, axe_violations, screenshot
from e2e.flows import log_in

pytestmark = pytest.mark.integration


def field(page, label: str):
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\s*:?$"))


def logged_in(new_context, email: str):
    page = new_context().new_page()
    page.goto(reverse("account_login"))
    log_in(page, email=email, password=PASSWORD)
    return page


def test_add_share_a_colleague_downloads_the_owner_revokes_and_the_colleague_is_refused(
    new_context, catalogue, tmp_path
):
    from accounts.tests.factories import UserFactory
    from media_library.models import Download

    owner = UserFactory(email="ada@ebn.example", first_name="Ada", last_name="Reporter")
    colleague = UserFactory(email="bob@ebn.example")
    video = catalogue.video

    # From a catalogue card: choose (here, name) the collection.
    page = logged_in(new_context, owner.email)
    page.goto(reverse("media_library:video_list"))
    # The link's purpose is given by its card (WCAG 2.4.4, in context), whose title it follows.
    card = page.locator("li.video-card", has_text="Press conference by the Secretary General")
    card.get_by_role("link", name="Add to collection").click()
    field(page, "Or a new collection").fill("Summit story")
    field(page, "Note (optional)").fill("Context for the intro")
    page.get_by_role("button", name="Add to collection").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Summit story")

    # From the video page: the small form, back to the video.
    page.goto(video.get_absolute_url())
    field(page, "Collection").fill("Summit story")
    page.get_by_role("button", name="Add to collection").click()
    expect(page).to_have_url(re.compile(re.escape(video.get_absolute_url()) + "$"))
    expect(
        page.get_by_text(f"“{video.title}” is in your collection “Summit story”.")
    ).to_be_visible()

    page.get_by_role("link", name="My account").click()
    page.get_by_role("link", name="Summit story").click()
    page.get_by_role("button", name=re.compile(f"^Move up {re.escape(video.title)}")).click()
    items = page.locator(".collection-item h3")
    expect(items.first).to_contain_text(video.title)
    page.get_by_role("button", name="Share by link").click()
    share_link = page.get_by_label("Share link").input_value()
    assert "/collections/shared/" in share_link
    assert axe_violations(page) == []
    screenshot(page, "collection")

    # The colleague opens the link, and downloads everything in one zip.
    other = logged_in(new_context, colleague.email)
    other.goto(share_link)
    expect(other.get_by_role("heading", level=1)).to_have_text("Summit story")
    expect(other.get_by_text("Context for the intro")).to_be_visible()
    assert other.get_by_role("button", name="Share by link").count() == 0
    with other.expect_download() as download_info:
        other.get_by_role("button", name="Download all (zip)").click()
    download = download_info.value
    assert download.suggested_filename == "summit-story.zip"
    saved = tmp_path / "summit-story.zip"
    download.save_as(saved)
    with zipfile.ZipFile(saved) as zipped:
        names = zipped.namelist()
        assert names[:3] == ["MANIFEST.txt", "manifest.json", "SHA256SUMS"]
        with catalogue.rendition.file.open("rb") as stored:
            assert zipped.read(names[3]) == stored.read()
        # The second video has no downloadable version yet: the manifest says so.
        assert "Press conference by the Secretary General" in zipped.read("MANIFEST.txt").decode()
    assert Download.objects.filter(user=colleague, rendition=catalogue.rendition).count() == 1

    # The owner revokes; the colleague's page and download are refused, with the reason.
    page.get_by_role("button", name="Stop sharing").click()
    expect(page.get_by_text("The share link no longer works.")).to_be_visible()
    response = other.goto(share_link)
    assert response.status == 404
    expect(other.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    assert Download.objects.filter(user=colleague).count() == 1


def test_the_owner_reorders_by_dragging_with_the_script(new_context, catalogue):
    from accounts.tests.factories import UserFactory
    from lightboxes.tests.factories import CollectionFactory, ItemFactory
    from media_library.models import Video

    owner = UserFactory(email="ada@ebn.example")
    collection = CollectionFactory(owner=owner, name="Summit story")
    for position, video in enumerate(Video.objects.order_by("title")):
        ItemFactory(collection=collection, video=video, position=position)
    before = [item.video.title for item in collection.items.select_related("video")]

    page = logged_in(new_context, owner.email)
    page.goto(collection.get_absolute_url())
    items = page.locator("li.collection-item")
    with page.expect_navigation():  # the script reloads the page with the order kept
        items.nth(2).drag_to(items.nth(0), target_position={"x": 10, "y": 5})
    expect(page.locator("li.collection-item h3").first).to_contain_text(before[2])
    after = [item.video.title for item in collection.items.select_related("video")]
    assert after == [before[2], before[0], before[1]]
