"""Headless Chromium (Debian's, driven by Playwright) against pytest-django's live server.

The live server runs in a thread of this process: tasks run eagerly there, email lands in
`mailoutbox`, and on-commit callbacks run for real because these tests use
`transactional_db`.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest

from core.testing.services import service_unavailable

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BASE_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS = BASE_DIR / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "Correct-Horse-42!"  # noqa: S105 - test accounts only
NEW_PASSWORD = "Brand-New-Secret-77"  # noqa: S105
CODE_PATTERN = re.compile(r"\b([BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4})\b")
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


# --- The browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        service_unavailable("needs Chromium: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_unavailable("needs Chromium: apt-get install chromium (and pip install playwright)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as exc:  # noqa: BLE001 - any launch failure means "no usable Chromium"
        playwright.stop()
        service_unavailable(f"needs Chromium: apt-get install chromium ({exc})")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def new_context(browser, live_server) -> Iterator[Callable[..., object]]:
    """Open browser contexts (one per simulated person) on the live server."""
    contexts = []

    def _new(**options):
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(
            base_url=live_server.url, accept_downloads=True, locale="en-GB", **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield _new
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """A French request activates French in the live server's thread; reset ours."""
    yield
    from django.utils import translation

    translation.deactivate()


# --- Artefacts, axe, mail ---------------------------------------------------------------------


def screenshot(page, name: str, *, phone: bool = False) -> Path:
    """A full-page screenshot under test-artifacts/ (at 375 px wide with `phone=True`)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if phone:
        previous = page.viewport_size
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(path), full_page=True)
        assert_no_horizontal_overflow(page)
        page.set_viewport_size(previous)
    else:
        page.screenshot(path=str(path), full_page=True)
    return path


def assert_no_horizontal_overflow(page) -> None:
    """Nothing to scroll sideways: the page is no wider than the window or its content box."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth"
        " - Math.min(window.innerWidth, document.documentElement.clientWidth)"
    )
    assert overflow <= 0, f"{page.url}: the page is {overflow}px wider than the screen"


@dataclass
class AxeViolation:
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}): {self.help} at {', '.join(self.targets[:5])}"


def axe_violations(page) -> list[AxeViolation]:
    """Run axe-core in the page with the WCAG 2.1 A/AA rules; returns the violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    return [
        AxeViolation(
            rule=v["id"],
            impact=v.get("impact") or "",
            help=v["help"],
            targets=[" ".join(map(str, node["target"])) for node in v["nodes"]],
        )
        for v in results.response["violations"]
    ]


def code_from(message) -> str:
    match = CODE_PATTERN.search(message.body)
    assert match, f"no code in the email:\n{message.body}"
    return match.group(1)


# --- Data -------------------------------------------------------------------------------------


@dataclass
class Catalogue:
    video: object
    rendition: object
    speech: object


@pytest.fixture(scope="session")
def demo_clip(tmp_path_factory) -> Path:
    from media_library.synth import make_clip

    return make_clip(
        tmp_path_factory.mktemp("e2e-clips") / "nrc-opening-remarks.mp4",
        width=640,
        height=360,
        seconds=2,
        tone_hz=1000,
    )


# The 2-second clip's shot list, in milliseconds to fit three entries in.
E2E_SHOT_LIST = """\
00:00:00 - 00:00:00.800 Wide shot of the council table
00:00:00.800 - 00:00:01.400 SOUNDBITE (English) Jaap de Hoop Scheffer, NATO Secretary General: "Good morning."
00:00:01.400 - 00:00:01.900 SOUNDBITE (French) Jaap de Hoop Scheffer, NATO Secretary General: « Bonjour. »
"""


@pytest.fixture
def catalogue(transactional_db, demo_clip: Path) -> Catalogue:
    """Demo-like content: a real ingested clip (thumbnail, preview, rendition), more videos,
    and the NATO-Russia Council opening remarks."""
    import io

    from django.core.files import File

    from core import publishing
    from media_library import services, shot_entries, shotlist
    from media_library.models import Language
    from media_library.tests.factories import CategoryFactory, EventFactory, VideoFactory
    from speeches import demo as speeches_demo
    from speeches import services as speech_services
    from speeches.models import Speech

    speech_category = CategoryFactory(name="Speech", slug="speech")
    english, _ = Language.objects.get_or_create(code="en", defaults={"name": "English"})
    video = services.create_video(
        title="NATO-Russia Council: opening remarks at the Defence Ministers' informal session",
        slug="nato-russia-council-defence-ministers-opening-remarks",
        summary=(
            "The Secretary General opens the NATO-Russia Council in Defence Ministers' "
            "informal session."
        ),
        shot_list=(
            "00:00:00 Wide shot of the council table\n00:00:01 Secretary General opening the session"
        ),
        category=speech_category,
        event=EventFactory(name="NATO-Russia Council, Defence Ministers' informal session"),
        country="RO",
        location="Poiana Brașov",
        credits="Multimedia Portal demo footage",
        usage_terms="Free of charge for editorial use by journalists and broadcasters.",
        tags=["NATO-Russia Council", "defence ministers"],
    )
    video.languages.set([english])
    with demo_clip.open("rb") as handle:
        rendition = services.attach_rendition(
            video=video,
            content=File(io.BytesIO(handle.read())),
            filename="nrc-opening-remarks-360p.mp4",
            label="Web 360p H.264 MP4",
            make_preview=True,
            queue=False,
        )
    rendition = services.ingest_rendition(rendition_id=rendition.pk)
    video.refresh_from_db()
    # Soundbites in English and French: the preview gets a caption track in each.
    shot_entries.replace_shot_entries(video=video, entries=shotlist.parse(E2E_SHOT_LIST).entries)
    publishing.publish(item=video)
    for n, title in enumerate(["Press conference by the Secretary General", "B-roll: Brussels"]):
        VideoFactory(title=title, slug=f"e2e-video-{n}", category=speech_category)

    class _Quiet:
        def write(self, _text: str) -> None:
            pass

    speeches_demo.load(stdout=_Quiet())
    speech = Speech.objects.get(slug=speeches_demo.NRC_SLUG)
    speech.related_videos.add(video)
    # Its first two paragraphs timecoded within the two-second clip: play-from-here links and
    # the player on the speech page. The captions stay the soundbites' until a test writes the
    # transcript's (e2e/test_transcripts.py).
    speech.timecode_video = video
    speech.save(update_fields=["timecode_video"])
    speech_services.set_timecodes(speech=speech, timecodes={0: Fraction(1, 2), 1: Fraction(3, 2)})
    return Catalogue(video=video, rendition=rendition, speech=speech)


@pytest.fixture
def journalist(transactional_db):
    from accounts.tests.factories import UserFactory

    return UserFactory(
        email="ada@ebn.example", first_name="Ada", last_name="Reporter", country="FR"
    )
