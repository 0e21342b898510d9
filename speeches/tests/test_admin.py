from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from media_library.tests.factories import VideoFactory
from speeches.models import Speech
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:speeches_speech_changelist")


def _add_form(**overrides) -> dict[str, str]:
    data = {
        "title": "Press point after the meeting",
        "slug": "press-point-after-the-meeting",
        "body": "Good afternoon.\n\nQuestions, please.",
        "speaker_name": "Jane Speaker",
        "speaker_role": "Spokesperson",
        "event": "Foreign Ministers' meeting",
        "location": "Brussels",
        "date_delivered": "2025-04-03",
        "language": "en",
        "status": Speech.Status.DRAFT,
        "published_at_0": "",
        "published_at_1": "",
    }
    data.update(overrides)
    return data


def test_changelist_shows_status_speaker_and_date_with_filters_and_search(admin_client):
    SpeechFactory(title="Findable remarks", speaker_name="Ann Orator", published=True)
    SpeechFactory(title="Other remarks", speaker_name="Bob Orator")

    response = admin_client.get(CHANGELIST, {"q": "findable"})
    html = response.content.decode()

    assert response.status_code == 200
    assert "Findable remarks" in html
    assert "Other remarks" not in html
    assert "Ann Orator" in html
    assert "Published" in html
    filtered = admin_client.get(CHANGELIST, {"status__exact": "draft"}).content.decode()
    assert "Other remarks" in filtered
    assert "Findable remarks" not in filtered


def test_the_language_filter_lists_only_the_languages_of_speeches(admin_client):
    SpeechFactory(language="fr")
    SpeechFactory(language="en")

    response = admin_client.get(CHANGELIST)

    spec = next(s for s in response.context["cl"].filter_specs if s.field_path == "language")
    offered = [str(c["display"]) for c in spec.choices(response.context["cl"])][1:]
    assert offered == ["English", "French"]


def test_related_videos_are_picked_by_title_not_by_id(admin_client):
    video = VideoFactory(title="Summit arrivals")
    speech = SpeechFactory()
    speech.related_videos.add(video)

    page = admin_client.get(reverse("admin:speeches_speech_change", args=[speech.pk]))
    html = page.content.decode()

    assert f'<option value="{video.pk}" selected>Summit arrivals</option>' in html
    found = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "summit",
            "app_label": "speeches",
            "model_name": "speech",
            "field_name": "related_videos",
        },
    ).json()
    assert found["results"] == [{"id": str(video.pk), "text": "Summit arrivals"}]


def test_editor_can_add_a_draft_and_publish_it_with_the_admin_action(editor_client, client):
    response = editor_client.post(reverse("admin:speeches_speech_add"), _add_form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    speech = Speech.objects.get(slug="press-point-after-the-meeting")
    assert speech.status == Speech.Status.DRAFT
    assert client.get(speech.get_absolute_url()).status_code == 404

    response = editor_client.post(
        CHANGELIST, {"action": "publish_selected", ACTION_CHECKBOX_NAME: [speech.pk]}, follow=True
    )

    assert "1 speech published." in response.content.decode()
    speech.refresh_from_db()
    assert speech.status == Speech.Status.PUBLISHED
    assert speech.published_at is not None
    assert client.get(speech.get_absolute_url()).status_code == 200


def test_unpublish_action_takes_speeches_off_the_public_site(editor_client, client):
    speeches = SpeechFactory.create_batch(2, published=True)

    editor_client.post(
        CHANGELIST,
        {"action": "unpublish_selected", ACTION_CHECKBOX_NAME: [s.pk for s in speeches]},
    )

    for speech in speeches:
        speech.refresh_from_db()
        assert speech.status == Speech.Status.DRAFT
        assert client.get(speech.get_absolute_url()).status_code == 404


def test_editor_can_schedule_a_speech_in_the_form(editor_client, client):
    later = timezone.now() + datetime.timedelta(days=1)

    response = editor_client.post(
        reverse("admin:speeches_speech_add"),
        _add_form(
            status=Speech.Status.SCHEDULED,
            published_at_0=later.strftime("%Y-%m-%d"),
            published_at_1=later.strftime("%H:%M:%S"),
        ),
    )

    assert response.status_code == 302
    speech = Speech.objects.get()
    assert speech.status == Speech.Status.SCHEDULED
    assert client.get(speech.get_absolute_url()).status_code == 404


def test_scheduling_without_a_time_is_refused_with_a_clear_message(editor_client):
    response = editor_client.post(
        reverse("admin:speeches_speech_add"), _add_form(status=Speech.Status.SCHEDULED)
    )

    assert response.status_code == 200
    assert "Choose the publication time of a scheduled item." in response.content.decode()
    assert not Speech.objects.exists()


def test_editor_links_translations_in_the_form_and_they_appear_both_ways(editor_client):
    french = SpeechFactory(language="fr", published=True)

    editor_client.post(
        reverse("admin:speeches_speech_add"),
        _add_form(status=Speech.Status.PUBLISHED, translations=[french.pk]),
    )

    english = Speech.objects.get(slug="press-point-after-the-meeting")
    assert english.published_at is not None  # "Published" with no time means now
    assert list(french.translations.all()) == [english]
    assert list(english.translations.all()) == [french]


def test_view_on_site_leads_a_draft_to_its_preview_and_a_public_speech_to_its_page(admin_client):
    draft = SpeechFactory()
    public = SpeechFactory(published=True)

    draft_page = admin_client.get(reverse("admin:speeches_speech_change", args=[draft.pk]))
    public_page = admin_client.get(reverse("admin:speeches_speech_change", args=[public.pk]))

    assert reverse("admin:speeches_speech_preview", args=[draft.pk]) in draft_page.content.decode()
    assert public.get_absolute_url() in public_page.content.decode()


def test_editor_group_can_add_and_publish_speeches_but_cannot_manage_users(editor, editor_client):
    assert editor.has_perm("speeches.add_speech")
    assert editor.has_perm("speeches.change_speech")
    assert editor.has_perm("speeches.publish_speech")
    assert not editor.is_superuser
    for permission in ("add_user", "change_user", "delete_user", "view_user"):
        assert not editor.has_perm(f"accounts.{permission}")
    assert not editor.has_perm("auth.change_group")

    assert editor_client.get(CHANGELIST).status_code == 200
    assert editor_client.get(reverse("admin:speeches_speech_add")).status_code == 200
    assert editor_client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert editor_client.get("/admin/accounts/user/").status_code in (403, 404)


def test_staff_without_the_publish_right_can_draft_but_not_publish(django_user_model, client):
    from django.contrib.auth.models import Permission

    writer = django_user_model.objects.create_user(email="writer@example.org", is_staff=True)
    writer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="speeches",
            codename__in=["add_speech", "change_speech", "view_speech"],
        )
    )
    client.force_login(writer)
    speech = SpeechFactory()

    form = client.get(reverse("admin:speeches_speech_change", args=[speech.pk])).content.decode()
    client.post(CHANGELIST, {"action": "publish_selected", ACTION_CHECKBOX_NAME: [speech.pk]})

    assert 'name="status"' not in form
    assert "publish_selected" not in client.get(CHANGELIST).content.decode()
    speech.refresh_from_db()
    assert speech.status == Speech.Status.DRAFT
