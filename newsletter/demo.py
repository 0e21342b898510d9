"""Demo content: one draft newsletter issue an editor can preview, test and send."""

from __future__ import annotations

from newsletter.models import Issue

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
    if created and issue.is_draft:
        _feature_published_items(issue)
    stdout.write(
        f"Newsletter: draft issue “{issue.subject}” "
        f"({'created' if created else 'already there'}); send it from the admin."
    )


def _feature_published_items(issue: Issue) -> None:
    """Feature the newest published videos and speeches, once those apps provide them."""
    field_names = {field.name for field in Issue._meta.get_fields()}
    if "featured_videos" in field_names:
        from media_library.models import Video

        issue.featured_videos.set(Video.objects.published().order_by("-pk")[:3])
    if "featured_speeches" in field_names:
        from speeches.models import Speech

        issue.featured_speeches.set(Speech.objects.published().order_by("-pk")[:2])
