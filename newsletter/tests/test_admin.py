from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.roles import ensure_editor_group
from newsletter.models import Delivery, Issue
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

    body = response.content.decode()
    assert response.status_code == 200
    assert "Footage from Vilnius." in body
    assert f"Dear {editor.first_name}," in body
    assert "srcdoc=" in body


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

    admin_client.post(
        reverse("admin:newsletter_issue_change", args=[issue.pk]),
        {"subject": "Rewritten", "intro": "Rewritten"},
    )
    response = admin_client.get(reverse("admin:newsletter_issue_delete", args=[issue.pk]))

    issue.refresh_from_db()
    assert issue.subject == "As sent"
    assert response.status_code == 403


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
