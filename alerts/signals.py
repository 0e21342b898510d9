"""Publication is followed by alerts: core sends `publication_changed` inside the publishing
transaction (admin form, admin actions, the beat's `publish_due`), and the videos it names are
written down here in that same transaction, then matched by a task once it commits.

Writing them down first is what makes the announcement survive a broker that is down, a lost
task or a killed worker: the rows wait for the next run or the beat sweep (`tasks`).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from alerts.models import PendingMatch
from core.publishing import publication_changed
from core.tasks import enqueue
from media_library.models import Video

logger = logging.getLogger(__name__)

MATCH_TASK = "alerts.tasks.match_pending"


def _publication_changed(sender, pks: list[int], **kwargs) -> None:
    # Unpublished or scheduled ones too: the matcher keeps only what is public when it runs
    # (a scheduled video is written down again when the beat task publishes it).
    # A row already there is renewed, not skipped: if a matcher holds it right now (it read
    # the video before this change), this waits for it and then writes the row again, so the
    # change is matched by the next run instead of being deleted with the claimed row.
    now = timezone.now()
    PendingMatch.objects.bulk_create(
        [PendingMatch(video_id=pk, created_at=now) for pk in pks],
        update_conflicts=True,
        unique_fields=["video"],
        update_fields=["created_at"],
    )
    # One task per transaction, however many videos it published one by one (admin actions).
    connection = transaction.get_connection()
    for _savepoints, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _QueueMatching) and not callback.done:
            return
    transaction.on_commit(_QueueMatching())


class _QueueMatching:
    """The task queued for one transaction. Tests that run the callbacks by hand keep them
    listed after they ran (as core.content_version's move), so a queued one is marked done."""

    def __init__(self) -> None:
        self.done = False

    def __call__(self) -> None:
        self.done = True
        queue_matching()


def queue_matching() -> None:
    try:
        enqueue(MATCH_TASK)
    except Exception:
        logger.warning(
            "alert matching not queued (broker unavailable); the beat sweep will match",
            exc_info=True,
        )


def connect() -> None:
    publication_changed.connect(
        _publication_changed, sender=Video, dispatch_uid="alerts.video_publication"
    )
