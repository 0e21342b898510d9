"""The drill of issue 18: two gunicorn processes and two Celery workers on PostgreSQL and Redis,
50 saved searches, 200 videos published in bursts by editors (the admin's publish action, over
HTTP, on both web processes at once) and by the beat task (scheduled videos coming due), while
a worker is SIGKILLed. Every matching (saved search, video) pair must reach the real SMTP
server exactly once.

Nothing redelivers the killed worker's tasks for an hour (Redis visibility timeout): what it
held is found again by the beat tasks, which this test plays (every second) as beat would, with
the drill's short waits (ALERTS_SWEEP_AFTER_SECONDS, MAILER_SWEEP_AFTER_SECONDS).
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter

import pytest
import redis
import requests
from django.utils import timezone

from accounts.tests.factories import UserFactory
from alerts.matching import matches_by_catalogue
from alerts.models import Announcement, PendingMatch
from alerts.tests.factories import SavedSearchFactory
from core.tasks import enqueue
from core.testing.web import GunicornProcess, csrf_token
from mailer.models import OutboundEmail
from media_library.models import Video
from media_library.tests.factories import CategoryFactory, VideoFactory

pytestmark = pytest.mark.integration

WORDS = ["flood", "storm", "summit", "election", "harvest", "strike", "festival", "bridge"]
VIDEO_URL = re.compile(r"/videos/([\w-]+)/")
BEAT_TASKS = (
    "core.tasks.publish_due_items",
    "alerts.tasks.sweep_pending",
    "mailer.tasks.sweep_outbox",
)
# The queues the workers consume (conftest.WORKER_QUEUES), as Redis lists.
QUEUES = ("celery", "email", "media")
DRILL_ENV = {
    "ALERTS_SWEEP_AFTER_SECONDS": "3",
    "MAILER_SWEEP_AFTER_SECONDS": "3",
    "SITE_URL": "https://portal.example",
    "LOG_LEVEL": "WARNING",
}


@pytest.fixture
def two_web_processes(worker_environment, tmp_path, transactional_db):
    webs = [
        GunicornProcess(
            env={**worker_environment, **DRILL_ENV},
            log_path=tmp_path / f"gunicorn-{n}.log",
            workers=1,
        ).start()
        for n in range(2)
    ]
    yield [web.url for web in webs]
    for web in webs:
        web.stop()


class Editor:
    """An editor's browser session on one web process: logs in, ticks videos, publishes."""

    def __init__(self, base: str, email: str, password: str) -> None:
        self.base = base
        self.session = requests.Session()
        # The admin's sign-in is the site's login form (portal.views.admin_login).
        login = f"{base}/accounts/login/?next=/admin/"
        page = self.session.get(login, timeout=30).text
        answer = self.session.post(
            login,
            data={"csrfmiddlewaretoken": csrf_token(page), "login": email, "password": password},
            headers={"Referer": login},
            timeout=30,
        )
        assert answer.url.rstrip("/").endswith("/admin"), answer.text[-2000:]

    def publish(self, video_ids: list[int]) -> None:
        changelist = f"{self.base}/admin/media_library/video/"
        token = csrf_token(self.session.get(changelist, timeout=30).text)
        response = self.session.post(
            changelist,
            data={
                "csrfmiddlewaretoken": token,
                "action": "publish_selected",
                "_selected_action": [str(pk) for pk in video_ids],
                "index": "0",
            },
            timeout=60,
        )
        assert response.status_code == 200, response.text[-2000:]


def _pairs_received(smtp, search_of: dict[str, int], slug_ids: dict[str, int]):
    """Per (saved search, video): how many distinct messages announced it; and the copies."""
    pairs: Counter = Counter()
    copies: Counter = Counter()
    seen: set[str] = set()
    for message in smtp.messages:
        if "<alerts." not in (message.message["List-Id"] or ""):
            continue
        message_id = message.message["Message-ID"]
        copies[message_id] += 1
        if message_id in seen:
            continue
        seen.add(message_id)
        search_id = search_of[message.rcpt_tos[0]]
        for slug in set(VIDEO_URL.findall(message.text())):
            pairs[(search_id, slug_ids[slug])] += 1
    return pairs, copies


def test_every_pair_is_announced_once_through_bursts_beat_and_a_killed_worker(
    two_web_processes, start_celery_worker, smtp, wait, fuzz_seed, settings, redis_url
):
    settings.SITE_URL = DRILL_ENV["SITE_URL"]
    rng = random.Random(fuzz_seed)
    categories = [CategoryFactory(name=name) for name in ("World", "Business", "Culture")]
    searches = []
    for n in range(50):
        filters = {"q": " ".join(rng.sample(WORDS, rng.choice((1, 1, 2))))}
        if n % 5 == 0:
            filters["category"] = rng.choice(categories)
        searches.append(SavedSearchFactory(user=UserFactory(), filters=filters))
    videos = [
        VideoFactory(
            title=f"{' '.join(rng.sample(WORDS, 2))} report {n}",
            slug=f"drill-{n}",
            summary=f"Footage of the {rng.choice(WORDS)}.",
            category=rng.choice(categories),
            status=Video.Status.DRAFT,
            published_at=None,
        )
        for n in range(200)
    ]
    by_editors, by_beat = videos[:120], videos[120:]
    password = "Drill-editor-42!"
    editor = UserFactory(is_staff=True, is_superuser=True)
    editor.set_password(password)
    editor.save()
    first, second = (start_celery_worker(**DRILL_ENV) for _ in range(2))
    editors = [Editor(url, editor.email, password) for url in two_web_processes]

    # The beat: due items, the alert sweep and the outbox sweep, every second.
    stop_beat = threading.Event()

    def beat() -> None:
        while not stop_beat.wait(1.0):
            for task in BEAT_TASKS:
                enqueue(task)

    beat_thread = threading.Thread(target=beat, daemon=True)
    beat_thread.start()
    try:
        # 80 videos scheduled to come due in four waves, for the beat task to publish.
        now = timezone.now()
        for wave, start in enumerate(range(0, len(by_beat), 20)):
            Video.objects.filter(pk__in=[v.pk for v in by_beat[start : start + 20]]).update(
                status=Video.Status.SCHEDULED,
                published_at=now + timezone.timedelta(seconds=4 + 4 * wave),
            )
        # 120 videos published by two editors on the two web processes, in bursts of 1 to 20.
        bursts, start = [], 0
        while start < len(by_editors):
            size = rng.randint(1, 20)
            bursts.append([v.pk for v in by_editors[start : start + size]])
            start += size

        def publish_bursts(editor_session: Editor, mine: list[list[int]]) -> None:
            for burst in mine:
                editor_session.publish(burst)
                time.sleep(rng.random() * 0.5)

        threads = [
            threading.Thread(target=publish_bursts, args=(editors[n], bursts[n::2]))
            for n in range(2)
        ]
        for thread in threads:
            thread.start()
        # Killed mid-stream: the first emails are out, bursts and matching still under way.
        wait(
            lambda: OutboundEmail.objects.filter(status="sent").count() >= 10,
            timeout=120,
            message="no alert email went out",
        )
        first.kill()
        killed_at = {
            "announced": Announcement.objects.count(),
            "emailed": Announcement.objects.filter(emailed_at__isnull=False).count(),
            "sent": OutboundEmail.objects.filter(status="sent").count(),
        }
        for thread in threads:
            thread.join()
        replacement = start_celery_worker(**DRILL_ENV)

        wait(
            lambda: Video.objects.published().count() == 200,
            timeout=120,
            message="not every video was published",
        )
        ids = [v.pk for v in videos]
        expected = {
            (search.pk, video_id)
            for search in searches
            for video_id in matches_by_catalogue(search, ids)
        }

        def settled() -> bool:
            return (
                not PendingMatch.objects.exists()
                and Announcement.objects.count() == len(expected)
                and not Announcement.objects.filter(emailed_at__isnull=True).exists()
                and not OutboundEmail.objects.filter(status="pending").exists()
            )

        wait(settled, timeout=240, interval=1.0, message="the alerts did not settle")
    finally:
        stop_beat.set()
        beat_thread.join()
    # The last beat's tasks are taken by the drill's workers, not left to the tests after.
    broker = redis.Redis.from_url(redis_url)
    wait(
        lambda: not any(broker.llen(queue) for queue in QUEUES),
        timeout=60,
        message="the drill's last tasks were not taken",
    )
    assert replacement and second  # both took tasks until the end

    search_of = {search.user.email: search.pk for search in searches}
    slug_ids = {v.slug: v.pk for v in videos}
    pairs, copies = _pairs_received(smtp, search_of, slug_ids)
    emails = sum(1 for _ in copies)
    print(
        f"killed a worker (SIGKILL) at {killed_at}; {len(expected)} matching pairs over 50 "
        f"searches and 200 videos ({len(by_editors)} by editors in {len(bursts)} bursts, "
        f"{len(by_beat)} by the beat task): {len(pairs)} received once in {emails} emails, "
        f"{sum(c > 1 for c in pairs.values())} twice, "
        f"{sum(n - 1 for n in copies.values())} duplicate copies of one message"
    )
    assert set(pairs) == expected
    assert set(pairs.values()) == {1}
    assert OutboundEmail.objects.filter(status="failed").count() == 0
