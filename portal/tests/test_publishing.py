"""Videos and speeches publish, schedule (embargo), unpublish and come due by the same rules,
through the one service the admin, the beat tasks and the commands use (core.publishing)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import content_version, publishing
from core.publishable import PublicationStatus as Status

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
HOUR = datetime.timedelta(hours=1)


def _state(item) -> tuple[str, datetime.datetime | None]:
    item.refresh_from_db()
    return item.status, item.published_at


def test_the_public_sees_published_and_due_scheduled_items_only(kind):
    model, make = kind
    now = timezone.now()
    live = make(Status.PUBLISHED, now - HOUR)
    undated = make(Status.PUBLISHED, None)
    due = make(Status.SCHEDULED, now - datetime.timedelta(seconds=5))
    make(Status.SCHEDULED, now + HOUR)
    make(Status.PUBLISHED, now + HOUR)  # a future time hides it whatever the state says
    make(Status.DRAFT, None)

    public = {live, undated, due}
    assert set(model.objects.published()) == public
    assert {item for item in model.objects.all() if item.is_public} == public


def test_staff_see_every_item_and_everyone_else_only_public_ones(kind, admin_user):
    model, make = kind
    draft, public = make(Status.DRAFT), make(Status.PUBLISHED, timezone.now() - HOUR)
    assert set(model.objects.visible_to(admin_user)) == {draft, public}
    assert set(model.objects.visible_to(object())) == {public}


def test_publishing_a_draft_makes_it_public_now(kind):
    _model, make = kind
    item = make()
    moment = datetime.datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        publishing.publish(item=item)
        assert _state(item) == (Status.PUBLISHED, moment)
        assert item.is_public


def test_publishing_with_a_future_time_embargoes_it_until_then(kind):
    model, make = kind
    item = make()
    later = timezone.now() + 2 * HOUR

    publishing.publish(item=item, at=later)

    assert _state(item) == (Status.SCHEDULED, later)
    assert not model.objects.published().filter(pk=item.pk).exists()
    with time_machine.travel(later + datetime.timedelta(seconds=1)):
        assert model.objects.published().filter(pk=item.pk).exists()


def test_publishing_a_scheduled_item_now_brings_it_forward(kind):
    _model, make = kind
    item = make(Status.SCHEDULED, timezone.now() + 24 * HOUR)

    publishing.publish(item=item)

    status, published_at = _state(item)
    assert status == Status.PUBLISHED and published_at <= timezone.now()


def test_republishing_keeps_the_original_publication_time(kind):
    _model, make = kind
    first = timezone.now() - 5 * HOUR
    item = make(Status.PUBLISHED, first)

    publishing.publish(item=item)

    assert _state(item) == (Status.PUBLISHED, first)


def test_an_editor_can_correct_the_time_of_a_published_item(kind):
    _model, make = kind
    item = make(Status.PUBLISHED, timezone.now() - 5 * HOUR)
    corrected = timezone.now() - 2 * HOUR

    publishing.set_state(item=item, status=Status.PUBLISHED, at=corrected)

    assert _state(item) == (Status.PUBLISHED, corrected)


def test_unpublishing_returns_it_to_draft_and_lifts_a_schedule(kind):
    model, make = kind
    published = make(Status.PUBLISHED, timezone.now() - HOUR)
    scheduled = make(Status.SCHEDULED, timezone.now() + HOUR)

    publishing.unpublish(item=published)
    publishing.unpublish(item=scheduled)

    assert _state(published) == _state(scheduled) == (Status.DRAFT, None)
    assert not model.objects.published().exists()


def test_due_items_are_published_once_and_only_those_whose_time_has_come(kind):
    model, make = kind
    noon = datetime.datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    with time_machine.travel(noon, tick=False):
        due = make(Status.SCHEDULED, noon - datetime.timedelta(minutes=1))
        not_yet = make(Status.SCHEDULED, noon + datetime.timedelta(minutes=1))
        draft = make()

        assert publishing.publish_due(model=model) == 1
        assert publishing.publish_due(model=model) == 0  # nothing is published twice

    assert _state(due) == (Status.PUBLISHED, noon - datetime.timedelta(minutes=1))
    assert _state(not_yet)[0] == Status.SCHEDULED
    assert _state(draft)[0] == Status.DRAFT


def test_each_change_moves_the_content_version_once_it_commits(
    kind, django_capture_on_commit_callbacks
):
    _model, make = kind
    with django_capture_on_commit_callbacks(execute=True):
        item = make()
    before = content_version.current()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publishing.publish(item=item)
    assert content_version.current() > before
    # One move of the version (other apps may hear of the publication too: alerts).
    moves = [c for c in callbacks if getattr(c, "__module__", "") == content_version.__name__]
    assert len(moves) == 1, callbacks

    cache.clear()  # a lost counter restarts above every version used before
    content_version.forget_local_copy()
    assert content_version.current() > before


def test_a_scheduled_item_needs_a_time_and_a_published_one_no_future_time(kind):
    _model, make = kind
    item = make()
    item.status, item.published_at = Status.SCHEDULED, None
    with pytest.raises(ValidationError) as error:
        item.clean()
    assert "published_at" in error.value.message_dict

    item.status, item.published_at = Status.PUBLISHED, timezone.now() + HOUR
    with pytest.raises(ValidationError) as error:
        item.clean()
    assert "published_at" in error.value.message_dict


@pytest.mark.parametrize(
    ("status", "offset", "message"),
    [
        (Status.SCHEDULED, None, "Choose the publication time of a scheduled item."),
        (
            Status.PUBLISHED,
            HOUR,
            "This time is in the future: choose the status Scheduled instead.",
        ),
    ],
)
def test_the_editor_is_told_what_to_change_in_the_publication_time(kind, status, offset, message):
    _model, make = kind
    item = make()
    item.status = status
    item.published_at = None if offset is None else timezone.now() + offset

    with pytest.raises(ValidationError) as error:
        item.clean()

    assert error.value.message_dict == {"published_at": [message]}


@pytest.mark.parametrize(
    ("status", "offset"),
    [
        (Status.DRAFT, None),
        (Status.DRAFT, HOUR),
        (Status.SCHEDULED, HOUR),
        (Status.SCHEDULED, -HOUR),
        (Status.PUBLISHED, None),
        (Status.PUBLISHED, -HOUR),
        (Status.PUBLISHED, datetime.timedelta(0)),
    ],
    ids=[
        "draft",
        "draft-with-a-time",
        "scheduled-ahead",
        "scheduled-past",
        "published-without-time",
        "published-an-hour-ago",
        "published-this-instant",
    ],
)
def test_every_other_state_and_time_an_editor_picks_is_accepted(kind, status, offset):
    _model, make = kind
    item = make()
    with time_machine.travel(timezone.now(), tick=False):
        item.status = status
        item.published_at = None if offset is None else timezone.now() + offset
        item.clean()


def test_choosing_draft_in_the_form_unpublishes_and_published_publishes_now(kind):
    _model, make = kind
    item = make(Status.PUBLISHED, timezone.now() - HOUR)

    publishing.set_state(item=item, status=Status.DRAFT, at=None)
    assert _state(item) == (Status.DRAFT, None)

    with time_machine.travel(timezone.now(), tick=False):
        publishing.set_state(item=item, status=Status.PUBLISHED, at=None)
        assert _state(item) == (Status.PUBLISHED, timezone.now())


def test_due_without_a_time_means_due_now(kind):
    model, make = kind
    due = make(Status.SCHEDULED, timezone.now() - HOUR)
    make(Status.SCHEDULED, timezone.now() + HOUR)

    assert list(model.objects.due()) == [due]


def test_each_change_tells_the_apps_which_items_of_which_model_changed(kind):
    """`publication_changed` names the model as its sender: media_library listens for Video
    only (its thumbnails and previews follow the video's publication)."""
    model, make = kind
    item = make()
    heard: list[list[int]] = []

    def receiver(sender, pks, **kwargs):
        heard.append(pks)

    publishing.publication_changed.connect(receiver, sender=model, weak=False)
    try:
        publishing.publish(item=item)
        publishing.unpublish(item=item)
        make(Status.SCHEDULED, timezone.now() - HOUR)
        publishing.publish_due(model=model)
    finally:
        publishing.publication_changed.disconnect(receiver, sender=model)

    assert heard[:2] == [[item.pk], [item.pk]]
    assert len(heard) == 3 and len(heard[2]) == 1
