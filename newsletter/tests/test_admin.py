from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.roles import ensure_editor_group
from mailer.models import OutboundEmail
from newsletter import unsubscribe
from newsletter.models import Delivery, Issue, Subscription
from newsletter.tests.factories import (
    DeliveryFactory,
    EditorFactory,
    IssueFactory,
    SubscriptionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return EditorFactory()


@pytest.fixture
def admin_client(client, editor):
    client.force_login(editor)
    return client


def test_an_editor_composes_an_issue(admin_client, editor):
    response = admin_client.post(
        reverse("admin:newsletter_issue_add"),
        {"subject": "Summit special", "intro": "Hello from the summit."},
    )

    assert response.status_code == 302
    issue = Issue.objects.get()
    assert issue.is_draft and issue.created_by == editor


def test_the_preview_shows_both_parts_as_the_editor_would_receive_them(admin_client, editor):
    issue = IssueFactory(subject="Summit special", intro="Footage from Vilnius.")

    response = admin_client.get(reverse("admin:newsletter_issue_preview", args=[issue.pk]))

    page = response.content.decode()
    frame = reverse("admin:newsletter_issue_preview_email", args=[issue.pk])
    assert response.status_code == 200
    assert "Footage from Vilnius." in page  # the text part, on the page
    assert f'src="{frame}"' in page
    email = admin_client.get(frame)
    assert "Footage from Vilnius." in email.content.decode()
    assert f"Dear {editor.first_name}," in email.content.decode()


def test_the_preview_frame_keeps_the_emails_styles_and_only_the_admin_may_frame_it(
    admin_client,
):
    issue = IssueFactory()

    email = admin_client.get(reverse("admin:newsletter_issue_preview_email", args=[issue.pk]))

    policy = dict(
        directive.strip().split(" ", 1) for directive in email["Content-Security-Policy"].split(";")
    )
    assert policy["style-src"] == "'unsafe-inline'"  # the email's style attributes
    assert policy["script-src"] == "'none'" and policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'self'"
    assert email["X-Frame-Options"] == "SAMEORIGIN"
    assert 'style="' in email.content.decode()


def test_the_preview_of_an_issue_is_for_editors_only(client):
    issue = IssueFactory()
    client.force_login(UserFactory())

    response = client.get(reverse("admin:newsletter_issue_preview_email", args=[issue.pk]))

    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.integration
def test_send_a_test_to_me_goes_to_the_editor_only(admin_client, editor, run_on_commit, smtp):
    SubscriptionFactory.create_batch(3)
    issue = IssueFactory()

    with run_on_commit():
        response = admin_client.post(reverse("admin:newsletter_issue_send_test", args=[issue.pk]))

    assert response.status_code == 302
    assert [m.rcpt_tos for m in smtp.messages] == [[editor.email]]
    issue.refresh_from_db()
    assert issue.is_draft and not issue.deliveries.exists()


def test_send_a_test_is_a_post_only_action(admin_client):
    issue = IssueFactory()

    response = admin_client.get(reverse("admin:newsletter_issue_send_test", args=[issue.pk]))

    assert response.status_code == 405


@pytest.mark.integration
def test_sending_to_all_asks_for_confirmation_first(admin_client, smtp):
    SubscriptionFactory.create_batch(3)
    issue = IssueFactory()

    response = admin_client.get(reverse("admin:newsletter_issue_send", args=[issue.pk]))

    assert response.status_code == 200
    assert "3 subscribers" in response.content.decode()
    issue.refresh_from_db()
    assert issue.is_draft and smtp.messages == []


@pytest.mark.integration
def test_confirming_sends_once_and_a_second_confirmation_is_refused(
    admin_client, editor, run_on_commit, smtp
):
    SubscriptionFactory.create_batch(3)
    issue = IssueFactory()
    url = reverse("admin:newsletter_issue_send", args=[issue.pk])

    with run_on_commit():
        admin_client.post(url)
    with run_on_commit():
        response = admin_client.post(url, follow=True)

    assert "already been sent" in response.content.decode()
    assert len(smtp.messages) == 3
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT and issue.sent_by == editor
    assert issue.deliveries.count() == 3


def test_a_sent_issue_can_no_longer_be_edited_or_deleted(admin_client):
    issue = IssueFactory(status=Issue.Status.SENT, subject="As sent")

    edit = admin_client.post(
        reverse("admin:newsletter_issue_change", args=[issue.pk]),
        {"subject": "Rewritten", "intro": "Rewritten"},
    )
    response = admin_client.get(reverse("admin:newsletter_issue_delete", args=[issue.pk]))

    issue.refresh_from_db()
    assert issue.subject == "As sent"
    assert edit.status_code == 403
    assert response.status_code == 403


def test_a_sent_issue_is_shown_read_only_without_save_or_send_buttons(admin_client):
    issue = IssueFactory(status=Issue.Status.SENT, subject="As sent")

    page = admin_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk]))
    body = page.content.decode()

    assert page.status_code == 200 and "As sent" in body
    assert 'name="_save"' not in body and 'name="_continue"' not in body
    assert reverse("admin:newsletter_issue_send_test", args=[issue.pk]) not in body
    assert reverse("admin:newsletter_issue_send", args=[issue.pk]) not in body
    assert reverse("admin:newsletter_issue_preview", args=[issue.pk]) in body


def test_issue_states_read_as_words_in_both_languages(admin_client):
    IssueFactory(status=Issue.Status.SENDING, subject="Going out")
    IssueFactory(status=Issue.Status.SENT, subject="Gone")

    english = admin_client.get(reverse("admin:newsletter_issue_changelist")).content.decode()
    french = admin_client.get(
        reverse("admin:newsletter_issue_changelist"), headers={"accept-language": "fr"}
    ).content.decode()

    assert '<td class="field-status">Sending</td>' in english
    assert '<td class="field-status">Sent</td>' in english
    assert '<td class="field-status">Envoi en cours</td>' in french
    assert '<td class="field-status">Envoyé</td>' in french


def test_the_list_and_the_issue_show_progress_and_times(admin_client):
    issue = IssueFactory(status=Issue.Status.SENDING)
    DeliveryFactory.create_batch(2, issue=issue, status=Delivery.Status.SENT)
    DeliveryFactory(issue=issue, status=Delivery.Status.FAILED)
    DeliveryFactory(issue=issue)

    changelist = admin_client.get(reverse("admin:newsletter_issue_changelist")).content.decode()
    change = admin_client.get(
        reverse("admin:newsletter_issue_change", args=[issue.pk])
    ).content.decode()

    for page in (changelist, change):
        assert "2 sent · 1 failed · 1 pending (of 4)" in page
    assert "Sending started at" in change and "Sending finished at" in change


def test_only_editors_with_the_send_permission_may_send(client, run_on_commit):
    SubscriptionFactory()
    issue = IssueFactory()
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_issue", "change_issue"])
    )
    client.force_login(staff)

    response = client.post(reverse("admin:newsletter_issue_send", args=[issue.pk]))

    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.is_draft


def test_the_editors_group_can_send():
    group = ensure_editor_group()

    assert group.permissions.filter(codename="send_issue").exists()


def test_a_draft_offers_preview_test_and_send(admin_client):
    issue = IssueFactory()

    page = admin_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk]))

    body = page.content.decode()
    assert page.status_code == 200
    assert reverse("admin:newsletter_issue_preview", args=[issue.pk]) in body
    assert reverse("admin:newsletter_issue_send_test", args=[issue.pk]) in body
    assert reverse("admin:newsletter_issue_send", args=[issue.pk]) in body
    assert 'name="featured_videos"' in body and 'name="featured_speeches"' in body


# Finding 6 of the security review: a subject with "\r\nBcc: x@y" and "Send a test to me"
# gave the editor a 500 and left an outbox row that raised at every sweep, blocking the rows
# behind it. The injection stays refused: the form refuses the subject, a subject already in
# the database is refused with a message before anything is queued, and the outbox fails any
# row that still carries one (mailer/tests/test_services.py).
INJECTED_SUBJECT = "Summit special\r\nBcc: attacker@evil.example"


@pytest.mark.integration
def test_finding_6_a_subject_with_a_bcc_header_is_refused_with_a_message_and_sends_nothing(
    admin_client, editor, run_on_commit, smtp
):
    issue = IssueFactory(subject="Summit special")

    form = admin_client.post(
        reverse("admin:newsletter_issue_change", args=[issue.pk]),
        {"subject": INJECTED_SUBJECT, "intro": "Hello."},
    )
    assert form.status_code == 200
    assert "Line breaks are not allowed in an email subject" in form.content.decode()
    issue.refresh_from_db()
    assert issue.subject == "Summit special"

    # A subject that reached the database another way (before this fix, or in code).
    Issue.objects.filter(pk=issue.pk).update(subject=INJECTED_SUBJECT)
    with run_on_commit():
        response = admin_client.post(
            reverse("admin:newsletter_issue_send_test", args=[issue.pk]), follow=True
        )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was sent. Line breaks are not allowed in an email subject" in body
    assert "on its way" not in body
    assert not OutboundEmail.objects.exists()
    issue.refresh_from_db()
    assert issue.test_sent_at is None
    # Sending to all is refused the same way, before any delivery row is written.
    with run_on_commit():
        response = admin_client.post(
            reverse("admin:newsletter_issue_send", args=[issue.pk]), follow=True
        )
    assert "Nothing was sent. Line breaks are not allowed" in response.content.decode()
    issue.refresh_from_db()
    assert issue.is_draft and not issue.deliveries.exists()

    # The editor fixes the subject; the test copy reaches the server, and no Bcc ever did.
    Issue.objects.filter(pk=issue.pk).update(subject="Summit special")
    with run_on_commit():
        admin_client.post(reverse("admin:newsletter_issue_send_test", args=[issue.pk]))
    assert [m.rcpt_tos for m in smtp.messages] == [[editor.email]]
    assert smtp.messages[0].message["Subject"] == "[TEST] Summit special"
    assert smtp.messages[0].message["Bcc"] is None


# Finding 10: editors could delete newsletter subscriptions, the record of each consent.
def test_finding_10_an_editor_cannot_delete_newsletter_consents(client):
    editor = UserFactory(is_staff=True)
    editor.groups.add(ensure_editor_group())
    client.force_login(editor)
    subscription = SubscriptionFactory(consent_source=Subscription.Source.SIGNUP)
    consent_at = subscription.consent_at

    delete = reverse("admin:newsletter_subscription_delete", args=[subscription.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:newsletter_subscription_changelist"))
    assert changelist.status_code == 200
    assert subscription.user.email in changelist.content.decode()
    assert "delete_selected" not in changelist.content.decode()
    bulk = client.post(
        reverse("admin:newsletter_subscription_changelist"),
        {"action": "delete_selected", "_selected_action": [subscription.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    change = reverse("admin:newsletter_subscription_change", args=[subscription.pk])
    assert client.post(change, {"is_active": ""}).status_code == 403
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.consent_at) == (True, consent_at)

    # The subscriber's own way out (the email's one-click link) still works, and is recorded.
    token = unsubscribe.unsubscribe_token(user=subscription.user)
    response = Client().post(
        reverse("newsletter:one_click", kwargs={"token": token}),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.unsubscribe_source == Subscription.Source.ONE_CLICK
    assert (subscription.consent_at, subscription.consent_source) == (consent_at, "signup")
