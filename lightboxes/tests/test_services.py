from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lightboxes import services
from lightboxes.models import Collection
from lightboxes.tests.factories import CollectionFactory, ItemFactory, clip_asked_by
from media_library.models import Video
from media_library.tests.factories import VideoFactory

pytestmark = pytest.mark.django_db


def order_of(collection) -> list[str]:
    return [item.video.title for item in collection.items.select_related("video")]


def test_a_reader_creates_named_collections_and_a_name_is_theirs_once(verified_user):
    services.create_collection(owner=verified_user, name="  NATO   summit ")
    assert list(Collection.objects.values_list("name", flat=True)) == ["NATO summit"]
    with pytest.raises(services.Refused, match="already have a collection named"):
        services.create_collection(owner=verified_user, name="nato SUMMIT")
    with pytest.raises(services.Refused, match="Give the collection a name"):
        services.create_collection(owner=verified_user, name="   ")


def test_another_reader_may_use_the_same_name(verified_user, colleague):
    services.create_collection(owner=verified_user, name="Summit")
    services.create_collection(owner=colleague, name="Summit")
    assert Collection.objects.filter(name="Summit").count() == 2


def test_the_cap_on_collections_comes_from_the_settings_and_says_so(verified_user, settings):
    settings.LIGHTBOXES_MAX_PER_USER = 2
    services.create_collection(owner=verified_user, name="One")
    services.create_collection(owner=verified_user, name="Two")
    with pytest.raises(services.Refused, match="already have 2 collections"):
        services.create_collection(owner=verified_user, name="Three")


def test_the_cap_on_items_counts_every_collection_of_the_reader(verified_user, settings):
    settings.LIGHTBOXES_MAX_ITEMS_PER_USER = 2
    first = CollectionFactory(owner=verified_user)
    second = CollectionFactory(owner=verified_user)
    services.add_item(owner=verified_user, collection_id=first.pk, video=VideoFactory())
    services.add_item(owner=verified_user, collection_id=second.pk, video=VideoFactory())
    with pytest.raises(services.Refused, match="already hold 2 items"):
        services.add_item(owner=verified_user, collection_id=first.pk, video=VideoFactory())
    assert first.items.count() == 1


def test_adding_appends_and_adding_again_keeps_the_place_and_takes_the_note(collection):
    owner = collection.owner
    video = VideoFactory(title="Family photo")
    services.add_item(owner=owner, collection_id=collection.pk, video=video)
    assert order_of(collection)[-1] == "Family photo"
    first = collection.items.first()
    services.add_item(owner=owner, collection_id=collection.pk, video=first.video, note="Use 0:12")
    assert collection.items.count() == 3
    first.refresh_from_db()
    assert (first.position, first.note) == (0, "Use 0:12")


def test_someone_elses_collection_is_not_found(collection, colleague):
    with pytest.raises(services.NotFound):
        services.add_item(owner=colleague, collection_id=collection.pk, video=VideoFactory())
    item = collection.items.first()
    for change in (
        lambda: services.set_note(
            owner=colleague, collection_id=collection.pk, item_id=item.pk, note="x"
        ),
        lambda: services.move_item(
            owner=colleague, collection_id=collection.pk, item_id=item.pk, up=False
        ),
        lambda: services.remove_item(owner=colleague, collection_id=collection.pk, item_id=item.pk),
        lambda: services.share(owner=colleague, collection_id=collection.pk),
        lambda: services.issue_feed(owner=colleague, collection_id=collection.pk),
        lambda: services.delete_collection(owner=colleague, collection_id=collection.pk),
    ):
        with pytest.raises(services.NotFound):
            change()
    assert collection.items.count() == 2


def test_an_item_of_another_collection_is_not_found(collection):
    other = ItemFactory(collection=CollectionFactory(owner=collection.owner))
    with pytest.raises(services.NotFound):
        services.remove_item(owner=collection.owner, collection_id=collection.pk, item_id=other.pk)


@pytest.mark.parametrize(
    ("status", "in_days"), [(Video.Status.DRAFT, None), (Video.Status.SCHEDULED, 3)]
)
def test_an_unpublished_video_cannot_be_added(status, in_days):
    when = timezone.now() + timedelta(days=in_days) if in_days else None
    video = VideoFactory(status=status, published_at=when)
    with pytest.raises(services.Refused, match="not published"):
        services.addable_video(slug=video.slug)


def test_only_a_ready_clip_the_reader_asked_for_can_be_added(verified_user, colleague):
    clip = clip_asked_by(verified_user)
    assert services.addable_clip(user=verified_user, clip_id=clip.pk) == clip
    with pytest.raises(services.Refused):
        services.addable_clip(user=colleague, clip_id=clip.pk)
    clip.status = clip.Status.RUNNING
    clip.save()
    with pytest.raises(services.Refused):
        services.addable_clip(user=verified_user, clip_id=clip.pk)


def test_up_and_down_swap_with_the_neighbour_and_stop_at_the_ends(collection):
    owner = collection.owner
    services.add_item(owner=owner, collection_id=collection.pk, video=VideoFactory(title="Third"))
    third = collection.items.last()
    services.move_item(owner=owner, collection_id=collection.pk, item_id=third.pk, up=True)
    assert order_of(collection) == ["Arrivals at the summit", "Third", "Press conference"]
    services.move_item(owner=owner, collection_id=collection.pk, item_id=third.pk, up=True)
    services.move_item(owner=owner, collection_id=collection.pk, item_id=third.pk, up=True)
    assert order_of(collection) == ["Third", "Arrivals at the summit", "Press conference"]
    services.move_item(owner=owner, collection_id=collection.pk, item_id=third.pk, up=False)
    assert order_of(collection) == ["Arrivals at the summit", "Third", "Press conference"]


def test_a_reorder_must_name_every_item_once(collection):
    owner = collection.owner
    first, second = collection.items.values_list("pk", flat=True)
    services.reorder(owner=owner, collection_id=collection.pk, item_ids=[second, first])
    assert order_of(collection) == ["Press conference", "Arrivals at the summit"]
    for wrong in ([first], [first, first], [first, second, 999]):
        with pytest.raises(services.Refused, match="changed meanwhile"):
            services.reorder(owner=owner, collection_id=collection.pk, item_ids=wrong)


def test_a_note_too_long_is_refused_and_the_old_one_kept(collection):
    item = collection.items.first()
    with pytest.raises(services.Refused, match="at most 2000 characters; this one has 2001"):
        services.set_note(
            owner=collection.owner, collection_id=collection.pk, item_id=item.pk, note="x" * 2001
        )
    item.refresh_from_db()
    assert item.note == "Opening shot"


def test_sharing_again_makes_a_new_link_and_revoking_ends_it(collection):
    owner = collection.owner
    first = services.share(owner=owner, collection_id=collection.pk).share_token
    assert len(first) >= 43
    assert services.shared_collection(token=first) == collection
    second = services.share(owner=owner, collection_id=collection.pk).share_token
    assert second != first
    with pytest.raises(services.NotFound):
        services.shared_collection(token=first)
    services.revoke_share(owner=owner, collection_id=collection.pk)
    for token in (first, second, "", "x" * 500):
        with pytest.raises(services.NotFound):
            services.shared_collection(token=token)


def test_a_feed_address_is_new_each_time_and_revocable(collection):
    owner = collection.owner
    first = services.issue_feed(owner=owner, collection_id=collection.pk).feed_token
    second = services.issue_feed(owner=owner, collection_id=collection.pk).feed_token
    assert first != second
    assert services.revoke_feed(owner=owner, collection_id=collection.pk).feed_token is None


def test_collection_named_finds_the_existing_one_in_any_case(verified_user):
    made = services.collection_named(owner=verified_user, name="Brussels")
    assert services.collection_named(owner=verified_user, name="brussels ") == made
    assert Collection.objects.count() == 1
