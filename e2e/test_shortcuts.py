"""The journalist's shortcuts in the browser: copy the embed code, play the embed page's
player, and no WCAG 2.1 A/AA violation on the pages they add, in English and in French."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports the missing service
    expect = None

from e2e.conftest import PHONE, assert_no_horizontal_overflow, axe_violations

pytestmark = pytest.mark.integration


def test_a_journalist_copies_the_embed_code_and_its_page_plays_the_preview(
    new_context, live_server, catalogue
):
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.goto(catalogue.video.get_absolute_url())

    page.get_by_role("button", name="Copy the embed code").click()

    expect(page.get_by_role("status").last).to_have_text("Embed code copied.")
    snippet = page.evaluate("() => navigator.clipboard.readText()")
    embed = reverse("media_library:video_embed", kwargs={"slug": catalogue.video.slug})
    assert snippet.startswith(f'<iframe src="http://127.0.0.1:8000{embed}"')
    # The page it frames plays the preview (its framing headers: media_library/tests/test_embed.py).
    page.goto(embed)
    player = page.locator("video")
    duration = player.evaluate(
        "v => new Promise(r => v.readyState >= 1 ? r(v.duration) :"
        " v.addEventListener('loadedmetadata', () => r(v.duration)))"
    )
    assert duration == pytest.approx(2, abs=0.1)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_shortcut_pages_have_no_wcag_21_aa_violation(
    new_context, live_server, catalogue, language
):
    context = new_context(viewport=PHONE)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    video = catalogue.video
    back = quote(f"{video.get_absolute_url()}#download")
    pages = {
        "login-to-download": f"{reverse('account_login')}?next={back}",
        "register-to-download": f"{reverse('account_signup')}?next={back}",
        "embed": reverse("media_library:video_embed", kwargs={"slug": video.slug}),
        "still-refused": reverse("media_library:video_still", kwargs={"slug": video.slug})
        + "?t=soon",
    }
    found = {}
    for name, url in pages.items():
        page.goto(url)
        assert_no_horizontal_overflow(page)
        found[name] = [str(v) for v in axe_violations(page)]

    report = "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)
    assert not report, f"axe-core found WCAG 2.1 A/AA violations ({language}):\n{report}"
