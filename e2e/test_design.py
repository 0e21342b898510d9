"""The design in the browser: card pictures measured at 16:9 at a desktop's and a phone's
width, the header's search box and the catalogue links of cards and the video page working
without JavaScript, and the screenshots of docs/screenshots/ regenerated."""

from __future__ import annotations

import pytest
from django.urls import reverse

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports the missing service
    expect = None

from e2e.conftest import BASE_DIR, DESKTOP, PHONE, assert_no_horizontal_overflow
from e2e.flows import log_in

pytestmark = pytest.mark.integration

SCREENSHOTS = BASE_DIR / "docs" / "screenshots"
# Each card's picture as the browser lays it out, and whether a real image is loaded in it.
CARD_PICTURES = """() => [...document.querySelectorAll('.card__thumb')].map(el => {
  const box = el.getBoundingClientRect();
  return {tag: el.tagName, width: box.width, height: box.height,
          loaded: el.tagName !== 'IMG' || (el.complete && el.naturalWidth > 0)};
})"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "375px"])
def test_card_pictures_are_16_by_9_on_a_desktop_and_a_phone(viewport, new_context, catalogue):
    page = new_context(viewport=viewport).new_page()
    measured = []
    for url in ("/", reverse("media_library:video_list")):
        page.goto(url)
        # The first card holds the ingested clip's thumbnail: wait until it is decoded.
        page.wait_for_function(
            "() => [...document.querySelectorAll('img.card__thumb')]"
            ".some(img => img.complete && img.naturalWidth > 0)"
        )
        pictures = page.evaluate(CARD_PICTURES)
        assert any(p["tag"] == "IMG" and p["loaded"] for p in pictures), url
        for picture in pictures:
            # width / height == 16 / 9 within one pixel of height.
            assert abs(picture["width"] * 9 / 16 - picture["height"]) <= 1, (url, picture)
        measured += pictures
        assert_no_horizontal_overflow(page)
    widths = {round(p["width"]) for p in measured}
    if viewport == PHONE:
        # One card per row: the picture spans the phone's width less the page's margins.
        assert widths == {viewport["width"] - 32 - 2}, widths
    else:
        assert all(180 <= width <= 560 for width in widths), widths


def test_header_search_tags_and_events_reach_the_catalogue_without_javascript(
    new_context, catalogue
):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(reverse("speeches:speech_list"))

    search = page.get_by_role("search", name="Search the footage")
    search.get_by_role("searchbox").fill("opening remarks")
    with page.expect_navigation():
        search.get_by_role("button", name="Search").click()
    assert page.url.endswith(reverse("media_library:video_list") + "?q=opening+remarks")
    expect(page.get_by_role("heading", name="1 video", exact=True)).to_be_visible()

    # A card's tag and event are links of their own, above the link of the whole card.
    page.goto(reverse("media_library:video_list"))
    card = page.locator(".card").filter(
        has=page.get_by_role("link", name=catalogue.video.title, exact=True)
    )
    card.get_by_role("link", name="defence ministers", exact=True).click()
    expect(page).to_have_url(reverse("media_library:video_list") + "?q=defence%20ministers")
    expect(page.get_by_role("heading", name="1 video", exact=True)).to_be_visible()
    page.goto(reverse("media_library:video_list"))
    event = catalogue.video.event
    card.get_by_role("link", name=event.name, exact=True).click()
    expect(page).to_have_url(reverse("media_library:video_list") + f"?event={event.slug}")
    expect(page.get_by_role("heading", name="1 video", exact=True)).to_be_visible()

    # The card itself opens the video; on its page the tags are links too.
    page.goto(reverse("media_library:video_list"))
    box = card.locator(".card__meta").bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.get_by_role("heading", level=1)).to_have_text(catalogue.video.title)
    page.get_by_role("main").get_by_role("link", name="NATO-Russia Council", exact=True).click()
    expect(page.get_by_role("heading", name="1 video", exact=True)).to_be_visible()


def _save(page, name: str) -> None:
    """The visible screen as a small PNG: the picture reduced to 256 colours."""
    from io import BytesIO

    from PIL import Image

    picture = Image.open(BytesIO(page.screenshot()))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    picture.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
        SCREENSHOTS / f"{name}.png", optimize=True
    )


def test_screenshots_of_the_main_pages_for_the_readme(new_context, catalogue, journalist):
    """docs/screenshots/: home, catalogue, video, speech, login and My account at a desktop's
    and a phone's width, and home and video in the dark scheme (the README shows them)."""
    from accounts.tests.factories import DEFAULT_PASSWORD

    for viewport, width in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = new_context(viewport=viewport).new_page()
        for name, url in (
            ("home", "/"),
            ("catalogue", reverse("media_library:video_list")),
            ("video", catalogue.video.get_absolute_url()),
            ("speech", catalogue.speech.get_absolute_url()),
            ("login", reverse("account_login")),
        ):
            page.goto(url)
            page.wait_for_load_state("load")
            _save(page, f"{name}-{width}")
        log_in(page, email=journalist.email, password=DEFAULT_PASSWORD)
        page.goto(reverse("accounts:my_account"))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        _save(page, f"my-account-{width}")

    # The dark scheme, as a reader whose system asks for it sees the site.
    page = new_context(viewport=DESKTOP, color_scheme="dark").new_page()
    for name, url in (("home", "/"), ("video", catalogue.video.get_absolute_url())):
        page.goto(url)
        page.wait_for_load_state("load")
        _save(page, f"{name}-desktop-dark")

    written = sorted(path.name for path in SCREENSHOTS.glob("*.png"))
    for name in ("home", "catalogue", "video", "speech", "login", "my-account"):
        assert {f"{name}-desktop.png", f"{name}-phone.png"} <= set(written), written
    assert all((SCREENSHOTS / name).stat().st_size < 400_000 for name in written)
