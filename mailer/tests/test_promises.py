"""The outbox's retry promises, with their numbers: the first wait is 30 s, each wait doubles
up to an hour, and the 12th failed attempt fails the email for good.

Time is moved with time_machine and the beat's sweep does the rest, as in production: no
test edits `next_attempt_at` by hand, so changing a figure in mailer/services.py fails here
(tools/plant_mutations.py, mutation 8).
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from mailer import services
from mailer.models import OutboundEmail
from mailer.tests.factories import queued_email

pytestmark = [pytest.mark.django_db, pytest.mark.integration]

# The wait after the 1st, 2nd, ... 11th failed attempt; the 12th failure is the last.
WAITS_SECONDS = [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600]
NOTHING = {"sent": 0, "failed": 0, "retry_later": 0, "skipped": 0, "errors": 0}


def sweep() -> dict[str, int]:
    """What beat runs every minute (the row's own task reads the same clock)."""
    return services.sweep_outbox(older_than_seconds=0)


@pytest.mark.parametrize("outage", ["server down", "451 try later"])
def test_an_email_is_tried_12_times_waiting_30_s_doubling_up_to_1_hour_then_fails(smtp, outage):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        email = queued_email(to=["desk@newsroom.example"], text_body="eventually")
        if outage == "server down":
            smtp.stop()
        else:
            smtp.fail_temporarily(12)

        assert sweep() == {**NOTHING, "retry_later": 1}  # attempt 1
        for attempt, wait in enumerate(WAITS_SECONDS, start=2):
            email.refresh_from_db()
            assert email.attempts == attempt - 1
            assert email.next_attempt_at == timezone.now() + datetime.timedelta(seconds=wait)
            clock.shift(wait - 1)
            assert sweep() == NOTHING, f"attempt {attempt} came before its {wait} s wait"
            clock.shift(1)
            expected = "failed" if attempt == 12 else "retry_later"
            assert sweep() == {**NOTHING, expected: 1}, f"attempt {attempt}"

        email.refresh_from_db()
        assert (email.status, email.attempts) == (OutboundEmail.Status.FAILED, 12)
        # The 12th attempt came 5 h 3 min 30 s after the first: 30+60+...+1920 s, 4 hours.
        assert timezone.now() - start == datetime.timedelta(hours=5, minutes=3, seconds=30)

        smtp.start()
        clock.shift(datetime.timedelta(days=1))
        assert sweep() == NOTHING
    assert smtp.messages == []


def test_one_temporary_failure_is_retried_30_s_later_and_not_before(smtp):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        email = queued_email(to=["desk@newsroom.example"], text_body="second time lucky")
        smtp.fail_temporarily(1)

        assert sweep()["retry_later"] == 1
        clock.shift(29)
        assert sweep() == NOTHING
        clock.shift(1)
        assert sweep() == {**NOTHING, "sent": 1}

    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboundEmail.Status.SENT, 2)
    assert [m.text().strip() for m in smtp.messages_to("desk@newsroom.example")] == [
        "second time lucky"
    ]
