from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from mailer.models import OutboundEmail
from newsletter import rendering, sending, subscriptions, unsubscribe
from newsletter.models import Delivery, Issue, Subscription
from newsletter.tests.backends import outbox_to
from newsletter.tests.conftest import unsubscribe_urls
from newsletter.tests.factories import (
    DeliveryFactory,
    EditorFactory,
    IssueFactory,
    SubscriptionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- Consent and tokens -----------------------------------------------------------------------


def test_subscribe_and_unsubscribe_record_time_and_source():
    user = UserFactory()

    subscription = subscriptions.subscribe(user=user, source=Subscription.Source.SIGNUP)
    assert subscription.is_active and subscription.consent_source == "signup"
    assert subscription.consent_at is not None

    subscriptions.unsubscribe(user=user, source=Subscription.Source.ONE_CLICK)
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.unsubscribe_source == "one_click"
    assert subscription.unsubscribed_at is not None
    assert not subscriptions.is_subscribed(user)


def test_unsubscribe_token_names_its_subscriber():
    user = UserFactory()

    token = unsubscribe.unsubscribe_token(user=user)

    assert unsubscribe.user_for_unsubscribe_token(token) == user
    assert token != unsubscribe.unsubscribe_token(user=UserFactory())


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.replace(token.split(":")[0], "eyJ1Ijo5OTl9"),
        lambda token: "not-a-token",
        lambda token: "",
    ],
    ids=["altered-signature", "swapped-payload", "garbage", "empty"],
)
def test_forged_or_altered_tokens_are_refused(forge):
    token = unsubscribe.unsubscribe_token(user=UserFactory())

    with pytest.raises(unsubscribe.InvalidUnsubscribeToken):
        unsubscribe.user_for_unsubscribe_token(forge(token))


# --- The email --------------------------------------------------------------------------------


def test_each_email_is_personal_with_both_parts_and_rfc8058_headers(site_url):
    user = UserFactory(first_name="Ada")
    issue = IssueFactory(subject="Summit week", intro="First paragraph.\n\nSecond paragraph.")
    renderer = rendering.IssueRenderer(issue)

    message = renderer.message(user=user, to=user.email, message_id="<x@portal.example>")

    token = unsubscribe.unsubscribe_token(user=user)
    html = message.alternatives[0][0]
    assert message.subject == "Summit week"
    assert "Dear Ada," in message.body and "Dear Ada," in html
    assert "Second paragraph." in message.body and "Second paragraph." in html
    assert f"{site_url}/newsletter/unsubscribe/{token}/" in message.body
    assert f'href="{site_url}/newsletter/unsubscribe/{token}/"' in html
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<{site_url}/newsletter/unsubscribe/{token}/one-click/>, "
        f"<mailto:unsubscribe@portal.example?subject=unsubscribe%20{token}>"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["Message-ID"] == "<x@portal.example>"


def test_each_copy_is_personal_and_a_name_is_escaped_in_html():
    renderer = rendering.IssueRenderer(IssueFactory())
    odd, plain = UserFactory(first_name="<Ada & Co>"), UserFactory(first_name="Bo")

    odd_text, odd_html = renderer.render(user=odd)
    plain_text, _ = renderer.render(user=plain)

    assert "Dear <Ada & Co>," in odd_text
    assert "Dear &lt;Ada &amp; Co&gt;," in odd_html and "<Ada" not in odd_html
    assert "Dear Bo," in plain_text
    assert unsubscribe_urls(user=plain)["page"] in plain_text
    assert unsubscribe_urls(user=odd)["page"] not in plain_text


def test_a_subscriber_without_a_first_name_is_greeted_politely():
    user = UserFactory(first_name="")

    text, html = rendering.IssueRenderer(IssueFactory()).render(user=user)

    assert text.startswith("Hello,")
    assert "Hello," in html


def test_a_test_send_goes_to_the_editor_only_through_the_outbox(run_on_commit, site_url):
    SubscriptionFactory.create_batch(2)
    editor = EditorFactory()
    issue = IssueFactory(subject="Draft news")

    with run_on_commit():
        sending.send_test_issue(issue=issue, to_user=editor)

    assert [m.to for m in mail.outbox] == [[editor.email]]
    sent = mail.outbox[0]
    assert sent.subject == "[TEST] Draft news"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert OutboundEmail.objects.get().category == "newsletter-test"
    issue.refresh_from_db()
    assert issue.is_draft and issue.test_sent_at is not None
    assert not issue.deliveries.exists()


# --- Sending ----------------------------------------------------------------------------------


def test_an_issue_goes_once_to_every_active_subscriber(run_on_commit, flaky_mail):
    subscribers = SubscriptionFactory.create_batch(5)
    SubscriptionFactory(is_active=False)
    SubscriptionFactory(user__is_active=False)
    issue = IssueFactory()

    with run_on_commit():
        sending.send_issue(issue_id=issue.pk)

    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert issue.send_started_at <= issue.send_finished_at
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.user.email for s in subscribers)
    assert set(issue.deliveries.values_list("status", flat=True)) == {"sent"}
    assert all(d.sent_at and d.attempts == 1 for d in issue.deliveries.all())


def test_an_issue_is_sent_only_once(run_on_commit, flaky_mail):
    SubscriptionFactory.create_batch(2)
    issue = IssueFactory()
    with run_on_commit():
        sending.send_issue(issue_id=issue.pk)

    with pytest.raises(sending.IssueAlreadySent):
        sending.send_issue(issue_id=issue.pk)

    assert len(mail.outbox) == 2
    assert issue.deliveries.count() == 2


def test_an_issue_without_subscribers_is_done_at_once(run_on_commit):
    issue = IssueFactory()

    with run_on_commit():
        sending.send_issue(issue_id=issue.pk)

    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert issue.send_finished_at is not None


def test_a_batch_uses_one_connection_and_never_resends_a_sent_row(flaky_mail):
    issue = IssueFactory(status=Issue.Status.SENDING, send_started_at=timezone.now())
    DeliveryFactory.create_batch(3, issue=issue)
    already_sent = DeliveryFactory(issue=issue, status=Delivery.Status.SENT)

    result = sending.send_batch(issue_id=issue.pk, batch_size=10)
    again = sending.send_batch(issue_id=issue.pk, batch_size=10)

    assert (result.sent, again.sent) == (3, 0)
    assert flaky_mail.opened == 1  # one connection for the batch; the second had nothing to do
    assert outbox_to(already_sent.email) == []
    assert len(mail.outbox) == 3
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_a_full_batch_stops_at_its_size():
    issue = IssueFactory(status=Issue.Status.SENDING, send_started_at=timezone.now())
    DeliveryFactory.create_batch(5, issue=issue)

    # In eager mode the follow-up batch runs at once and sends the rest.
    result = sending.send_batch(issue_id=issue.pk, batch_size=2)

    assert result.sent == 2 and result.follow_up == "next batch"
    assert issue.deliveries.filter(status="sent").count() == 5


def test_a_permanent_refusal_fails_that_row_and_the_rest_continue(flaky_mail):
    issue = IssueFactory(status=Issue.Status.SENDING, send_started_at=timezone.now())
    rows = DeliveryFactory.create_batch(4, issue=issue)
    flaky_mail.rejected = {rows[1].email}

    result = sending.send_batch(issue_id=issue.pk, batch_size=10)

    assert (result.sent, result.failed) == (3, 1)
    refused = Delivery.objects.get(pk=rows[1].pk)
    assert refused.status == Delivery.Status.FAILED
    assert "550" in refused.last_error
    assert outbox_to(rows[1].email) == []
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_a_temporary_refusal_is_retried_later_with_backoff(flaky_mail, settings):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 60
    issue = IssueFactory(status=Issue.Status.SENDING, send_started_at=timezone.now())
    rows = DeliveryFactory.create_batch(3, issue=issue)
    flaky_mail.temporary_failures_left = 1

    result = sending.send_batch(issue_id=issue.pk, batch_size=10)

    assert (result.sent, result.retry_later) == (2, 1)
    waiting = Delivery.objects.get(pk=rows[0].pk)
    assert waiting.status == Delivery.Status.PENDING and waiting.attempts == 1
    assert "451" in waiting.last_error
    assert waiting.next_attempt_at > timezone.now() + timedelta(seconds=50)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENDING

    Delivery.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
    sending.send_batch(issue_id=issue.pk)

    waiting.refresh_from_db()
    assert waiting.status == Delivery.Status.SENT and waiting.attempts == 2
    assert len(outbox_to(waiting.email)) == 1
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_temporary_failures_give_up_after_the_last_attempt(flaky_mail, settings):
    settings.NEWSLETTER_MAX_ATTEMPTS = 2
    delivery = DeliveryFactory(attempts=1, issue__send_started_at=timezone.now())
    flaky_mail.temporary_failures_left = 1

    sending.send_batch(issue_id=delivery.issue_id)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED


def test_a_server_that_refuses_connections_leaves_every_row_untouched(flaky_mail):
    delivery = DeliveryFactory(issue__send_started_at=timezone.now())
    flaky_mail.refuse_connections = True

    with pytest.raises(sending.TemporaryDeliveryError):
        sending.send_batch(issue_id=delivery.issue_id)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 0)


def test_a_refused_sender_fails_no_subscriber_and_the_batch_is_retried(flaky_mail):
    issue = IssueFactory(status=Issue.Status.SENDING, send_started_at=timezone.now())
    DeliveryFactory.create_batch(3, issue=issue)
    flaky_mail.refuse_sender = True

    with pytest.raises(sending.TemporaryDeliveryError):
        sending.send_batch(issue_id=issue.pk)

    assert set(Delivery.objects.values_list("status", "attempts")) == {("pending", 0)}


def test_someone_who_unsubscribes_during_a_send_is_skipped(flaky_mail):
    delivery = DeliveryFactory(issue__send_started_at=timezone.now())
    subscriptions.unsubscribe(user=delivery.subscription.user, source=Subscription.Source.ONE_CLICK)

    result = sending.send_batch(issue_id=delivery.issue_id)

    assert result.skipped == 1
    assert mail.outbox == []
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SKIPPED


def test_retry_delay_grows_and_is_capped(settings):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 10
    settings.NEWSLETTER_RETRY_MAX_SECONDS = 50

    assert [sending.retry_delay(n) for n in range(1, 5)] == [10, 20, 40, 50]


# --- Resuming ---------------------------------------------------------------------------------


def test_a_stalled_send_is_resumed_and_a_moving_one_left_alone(flaky_mail):
    long_ago = timezone.now() - timedelta(hours=1)
    stalled = IssueFactory(status=Issue.Status.SENDING, send_started_at=long_ago)
    DeliveryFactory.create_batch(2, issue=stalled, next_attempt_at=long_ago)
    DeliveryFactory(issue=stalled, status=Delivery.Status.SENT, last_attempt_at=long_ago)
    moving = IssueFactory(status=Issue.Status.SENDING, send_started_at=long_ago)
    DeliveryFactory(issue=moving, next_attempt_at=long_ago)
    DeliveryFactory(issue=moving, status=Delivery.Status.SENT, last_attempt_at=timezone.now())

    resumed = sending.resume_stalled_sends(stalled_after_seconds=60)

    assert resumed == [stalled.pk]
    stalled.refresh_from_db()
    assert stalled.status == Issue.Status.SENT
    assert moving.deliveries.filter(status="pending").count() == 1


def test_resume_closes_an_issue_with_nothing_left_pending():
    issue = IssueFactory(
        status=Issue.Status.SENDING, send_started_at=timezone.now() - timedelta(hours=1)
    )
    DeliveryFactory(issue=issue, status=Delivery.Status.SENT)

    assert sending.resume_stalled_sends(stalled_after_seconds=60) == []

    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


# --- Featured items ---------------------------------------------------------------------------


def test_published_featured_videos_and_speeches_are_cards_with_links(site_url):
    import datetime

    from media_library.models import Video
    from speeches.tests.factories import SpeechFactory

    published_video = Video.objects.create(
        title="Ministers arrive",
        slug="ministers-arrive",
        status=Video.Status.PUBLISHED,
        recorded_on=datetime.date(2025, 2, 13),
    )
    draft_video = Video.objects.create(title="Unreleased rushes", slug="rushes")
    speech = SpeechFactory(published=True, title="Opening remarks", slug="opening-remarks")
    draft_speech = SpeechFactory(title="Not yet public")
    issue = IssueFactory()
    issue.featured_videos.set([published_video, draft_video])
    issue.featured_speeches.set([speech, draft_speech])

    text, html = rendering.IssueRenderer(issue).render(user=UserFactory())

    video_url = f"{site_url}{published_video.get_absolute_url()}"
    speech_url = f"{site_url}{speech.get_absolute_url()}"
    assert f'<a href="{video_url}"' in html and video_url in text
    assert f'<a href="{speech_url}"' in html and speech_url in text
    assert "13 February 2025" in html and "13 February 2025" in text
    assert "Unreleased rushes" not in html + text
    assert "Not yet public" not in html + text


def test_the_demo_issue_is_loaded_once():
    import io

    from newsletter import demo

    demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())

    issue = Issue.objects.get()
    assert issue.is_draft and issue.subject == demo.DEMO_SUBJECT
