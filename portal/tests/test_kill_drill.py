"""Issue 22's drill: `kill -9` of the email worker in the middle of a newsletter, with the
deployed settings (4 processes, 4 parallel batches, beat's real schedule).

It measures the two figures docs/operations.md states ("Delivery guarantees, measured"):
how many subscribers get a second copy per killed worker (at most one per process: the row
in flight between the SMTP server's "250 accepted" and the commit of "sent"), and how long
the send stays still before beat resumes it (within a minute; the operator of issue 22
measured 5 min 53 s with the old settings).
"""

from __future__ import annotations

import time

import pytest

from core.testing.celery import CeleryBeatProcess
from newsletter import sending
from newsletter.tests.conftest import received_per_address
from newsletter.tests.factories import IssueFactory, SubscriptionFactory

pytestmark = pytest.mark.integration

DEPLOYED_PROCESSES = 4  # CELERY_EMAIL_CONCURRENCY's default (portal/settings.py)


# Minutes: a whole installation (or a 1,200-subscriber send) on a shared 2-core machine.
@pytest.mark.timeout(900)
def test_sigkill_of_the_email_worker_doubles_at_most_one_copy_per_process_and_resumes_within_a_minute(
    start_celery_worker, worker_environment, smtp, tmp_path, wait
):
    total = 1200
    subscriptions = SubscriptionFactory.create_batch(total)
    beat = CeleryBeatProcess(env=worker_environment, log_path=tmp_path / "beat.log").start()
    try:
        first = start_celery_worker(concurrency=DEPLOYED_PROCESSES, PORTAL_WORKER_QUEUE="email")
        issue = IssueFactory()
        sending.send_issue(issue_id=issue.pk)
        wait(lambda: len(smtp.messages) >= total // 3, timeout=60, message="the send never began")

        first.kill()  # SIGKILL, the worker and its pool processes, as a lost host
        killed_at = time.monotonic()
        at_kill = issue.progress()["sent"]
        assert 0 < at_kill < total, f"the kill landed at {at_kill}/{total}, not mid-send"
        # systemd restarts the unit (Restart=on-failure); nothing else is done by hand.
        start_celery_worker(concurrency=DEPLOYED_PROCESSES, PORTAL_WORKER_QUEUE="email")
        settled = len(smtp.messages)
        wait(
            lambda: len(smtp.messages) > settled,
            timeout=120,
            interval=0.5,
            message="the send did not resume",
        )
        resumed_after = time.monotonic() - killed_at
        wait(
            lambda: issue.__class__.objects.get(pk=issue.pk).status == "sent",
            timeout=120,
            message="the issue did not finish after the resume",
        )
    finally:
        beat.stop()

    received = received_per_address(smtp)
    doubled = sorted(address for address, copies in received.items() if copies > 1)
    print(
        f"SIGKILL of a {DEPLOYED_PROCESSES}-process email worker at {at_kill}/{total}: "
        f"delivered {len(received)}/{total}, doubled {len(doubled)}; "
        f"sending resumed {resumed_after:.0f} s after the kill"
    )
    assert set(received) == {s.user.email for s in subscriptions}
    assert len(doubled) <= DEPLOYED_PROCESSES and max(received.values()) <= 2
    # The documented promise: within a minute (beat every 15 s, stalled after 30 s).
    assert resumed_after < 60, f"resumed only {resumed_after:.0f} s after the kill"
