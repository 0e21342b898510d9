"""Demo content: one draft newsletter issue an editor can preview, test and send."""

from __future__ import annotations

from media_library.models import Video
from newsletter.models import Issue
from speeches.models import Speech

DEMO_SUBJECT = "This week on the Multimedia Portal"
DEMO_INTRO = (
    "Welcome to this week's selection of broadcast-quality video and published speeches, "
    "free of charge for journalists and broadcasters.\n\n"
    "Every video can be previewed in the browser and downloaded in several renditions once "
    "you are signed in with a verified account."
)


def load(*, stdout) -> None:
    issue, created = Issue.objects.get_or_create(
        subject=DEMO_SUBJECT, defaults={"intro": DEMO_INTRO}
    )
    nothing_featured = not (issue.featured_videos.exists() or issue.featured_speeches.exists())
    if issue.is_draft and nothing_featured:
        _feature_published_items(issue)
    stdout.write(
        f"Newsletter: draft issue “{issue.subject}” "
        f"({'created' if created else 'already there'}); send it from the admin."
    )


def _feature_published_items(issue: Issue) -> None:
    """Feature the newest published videos and speeches of the demo content."""
    issue.featured_videos.set(Video.objects.published().order_by("-published_at", "-pk")[:3])
    issue.featured_speeches.set(Speech.objects.published().newest_first()[:2])
