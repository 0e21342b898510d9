"""Valid pages: the W3C Nu HTML Checker finds no error in any public or account page, in
English and in French, as the server sent them (not as the browser repaired them).

The pages are those a new journalist meets (`e2e.flows.walk_every_page`, the same walk as
the accessibility test), plus `MORE_PAGES`: the journalist's shortcuts (the login and register
pages that name the video they came to download, the embed page, the page of a timecode that
gives no still), filtered listings, and a verified journalist's pages (video, clip form,
download history). Every document goes to one run of the checker (`core.testing.vnu`), which
is slow to start.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.urls import reverse

from core.testing import vnu
from e2e.conftest import NEW_PASSWORD
from e2e.flows import PAGES, log_in, walk_every_page

pytestmark = pytest.mark.integration

LANGUAGES = ("en", "fr")
# Beyond the walk: the journalist's shortcuts, filtered listings, a bad unsubscribe link,
# and the pages of a verified journalist (downloads, clips, the download history).
MORE_PAGES = [
    "login-to-download", "register-to-download", "embed", "still-refused", "catalogue-filtered", "speeches-filtered",
    "unsubscribe-invalid", "video-signed-in", "clip-form", "my-account-with-downloads",
]  # fmt: skip


def _collect(new_context, live_server, catalogue, mailoutbox, language) -> dict[str, str]:
    """Each page of the walk in `language`: the HTML of the document response it came from."""
    context = new_context()
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    documents: list = []

    def keep(response) -> None:
        request = response.request
        if request.resource_type == "document" and response.frame == page.main_frame:
            documents.append(response)

    page.on("response", keep)
    found: dict[str, str] = {}

    def visit(name: str) -> None:
        final = [r for r in documents if not 300 <= r.status < 400]
        assert final, f"{name}: no document response"
        found[f"{language}-{name}"] = final[-1].text()
        documents.clear()

    walk_every_page(page, catalogue, mailoutbox, visit)

    video = catalogue.video
    page.goto(f"{reverse('account_login')}?next={quote(video.get_absolute_url() + '#download')}")
    visit("login-to-download")
    page.goto(f"{reverse('account_signup')}?next={quote(video.get_absolute_url() + '#download')}")
    visit("register-to-download")
    page.goto(reverse("media_library:video_embed", kwargs={"slug": video.slug}))
    visit("embed")
    page.goto(reverse("media_library:video_still", kwargs={"slug": video.slug}) + "?t=soon")
    visit("still-refused")
    page.goto(
        reverse("media_library:video_list")
        + "?q=council&category=speech&sort=oldest&date_from=2000-01-01&min_height=360"
    )
    visit("catalogue-filtered")
    speech = catalogue.speech
    page.goto(
        reverse("speeches:speech_list")
        + f"?speaker={quote(speech.speaker_name)}&year={speech.date_delivered.year}"
    )
    visit("speeches-filtered")
    page.goto(reverse("newsletter:unsubscribe", args=["not-a-token"]))
    visit("unsubscribe-invalid")

    page.goto(reverse("account_login"))
    log_in(page, email="ada@ebn.example", password=NEW_PASSWORD)
    page.goto(video.get_absolute_url())
    visit("video-signed-in")
    with page.expect_download():
        page.locator("form[action*='/download/'] button[type=submit]").first.click()
    page.goto(reverse("clips:clip_form", kwargs={"slug": video.slug}))
    visit("clip-form")
    page.goto(reverse("accounts:my_account"))
    visit("my-account-with-downloads")
    return found


@pytest.mark.timeout(900)
def test_every_page_is_valid_html_in_english_and_french(
    new_context, live_server, catalogue, mailoutbox, tmp_path
):
    documents: dict[str, str] = {}
    for language in LANGUAGES:
        mailoutbox.clear()
        from accounts.models import User

        # The walk registers the same journalist in each language: a new account, and a new
        # minute for the rate limits (one code email per address per 10 s would refuse it).
        User.objects.filter(email="ada@ebn.example").delete()
        cache.clear()
        documents |= _collect(new_context, live_server, catalogue, mailoutbox, language)

    assert sorted(documents) == sorted(
        f"{language}-{name}" for language in LANGUAGES for name in [*PAGES, *MORE_PAGES]
    )
    findings = vnu.validate(documents, folder=tmp_path / "pages")
    report = "\n".join(str(finding) for finding in findings)
    assert not findings, f"the Nu HTML Checker found {len(findings)} errors:\n{report}"
