"""The reader's pages: add from a card or a video page, reorder, note, share, revoke, feed."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from lightboxes.models import Collection, Item
from lightboxes.tests.factories import CollectionFactory, ItemFactory, clip_asked_by
from media_library.models import Download, Video
from media_library.tests.factories import RENDITION_BYTES, RenditionFactory, VideoFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("lightboxes:add")


def titles(response) -> list[str]:
    return [item.the_video.title for item in response.context["items"]]


def test_a_catalogue_card_links_to_adding_that_video(client):
    video = VideoFactory(title="Arrivals")
    page = client.get(reverse("media_library:video_list")).content.decode()
    assert f'href="{ADD_URL}?video={video.slug}"' in page


def test_a_visitor_is_sent_to_log_in_and_comes_back_to_the_choice(client):
    video = VideoFactory()
    response = client.get(ADD_URL, {"video": video.slug})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "video%3D" in response["Location"]


def test_an_unverified_account_is_told_to_verify(client):
    from accounts.tests.factories import UserFactory

    client.force_login(UserFactory(verified=False))
    response = client.get(reverse("lightboxes:list"))
    assert response["Location"] == reverse("account_email")


def test_the_video_page_form_adds_to_a_collection_it_names_and_goes_back(verified_client):
    video = RenditionFactory(video__title="Arrivals").video
    page = verified_client.get(video.get_absolute_url()).content.decode()
    assert f'action="{ADD_URL}"' in page and 'name="new_name"' in page
    response = verified_client.post(
        ADD_URL,
        {"video": video.slug, "new_name": "Summit", "next": video.get_absolute_url()},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == video.get_absolute_url()
    assert "“Arrivals” is in your collection “Summit”." in response.content.decode()
    collection = Collection.objects.get()
    assert [item.video for item in collection.items.all()] == [video]


def test_choosing_an_existing_collection_with_a_note(verified_client, collection):
    video = VideoFactory(title="Family photo")
    page = verified_client.get(ADD_URL, {"video": video.slug})
    assert page.status_code == 200
    assert "Summit story" in page.content.decode()
    response = verified_client.post(
        ADD_URL, {"video": video.slug, "collection": collection.pk, "note": "For the intro"}
    )
    assert response["Location"] == collection.get_absolute_url()
    added = collection.items.get(video=video)
    assert (added.note, added.position) == ("For the intro", 2)


def test_adding_to_someone_elses_collection_is_refused_clearly(client, collection, colleague):
    client.force_login(colleague)
    response = client.post(ADD_URL, {"video": VideoFactory().slug, "collection": collection.pk})
    assert response.status_code == 400
    assert "Choose one of your own collections." in response.content.decode()
    assert collection.items.count() == 2


def test_adding_an_unpublished_video_is_refused_clearly(verified_client):
    draft = VideoFactory(status=Video.Status.DRAFT, published_at=None)
    response = verified_client.post(ADD_URL, {"video": draft.slug, "new_name": "Summit"})
    assert response.status_code == 400
    assert "This video is not published" in response.content.decode()
    assert not Item.objects.exists()


def test_nothing_to_add_or_nowhere_to_add_it_is_said(verified_client):
    response = verified_client.post(ADD_URL, {"new_name": "Summit"})
    assert "Choose a video or a clip to add." in response.content.decode()
    response = verified_client.post(ADD_URL, {"video": VideoFactory().slug})
    assert "Choose one of your collections or name a new one." in response.content.decode()


def test_the_limit_is_said_when_adding(verified_client, verified_user, settings):
    settings.LIGHTBOXES_MAX_PER_USER = 1
    CollectionFactory(owner=verified_user, name="Full")
    response = verified_client.post(ADD_URL, {"video": VideoFactory().slug, "new_name": "Other"})
    assert response.status_code == 400
    assert "You already have 1 collection, the most one account may keep." in (
        response.content.decode()
    )


def test_a_clip_is_added_from_its_page(verified_client, verified_user):
    clip = clip_asked_by(verified_user)
    video = clip.rendition.video
    page = verified_client.get(
        reverse("clips:clip_status", kwargs={"slug": video.slug, "clip_id": clip.pk})
    ).content.decode()
    assert f'name="clip" value="{clip.pk}"' in page
    verified_client.post(ADD_URL, {"clip": clip.pk, "new_name": "Clips"})
    assert Item.objects.get().clip == clip


def test_the_collection_page_lists_items_in_order_in_a_fixed_number_of_queries(
    verified_client, collection, django_assert_num_queries
):
    url = collection.get_absolute_url()
    verified_client.get(url)  # the session's first read
    # The user, the verified address, the collection, its items with their videos and clips.
    with django_assert_num_queries(4):
        response = verified_client.get(url)
    assert titles(response) == ["Arrivals at the summit", "Press conference"]
    for _n in range(10):
        ItemFactory(collection=collection, video=RenditionFactory().video)
    ItemFactory(collection=collection, video=None, clip=clip_asked_by(collection.owner))
    with django_assert_num_queries(4):
        assert len(titles(verified_client.get(url))) == 13


def test_my_collections_and_my_account_in_a_fixed_number_of_queries(
    verified_client, collection, django_assert_num_queries
):
    verified_client.get(reverse("lightboxes:list"))
    # The user, the verified address, the collections with their counts.
    with django_assert_num_queries(3):
        page = verified_client.get(reverse("lightboxes:list")).content.decode()
    assert "Summit story" in page and "2 items" in page
    CollectionFactory.create_batch(5, owner=collection.owner)
    with django_assert_num_queries(3):
        verified_client.get(reverse("lightboxes:list"))
    account = verified_client.get(reverse("accounts:my_account")).content.decode()
    assert "Summit story" in account and reverse("lightboxes:list") in account


def test_someone_elses_collection_page_and_actions_are_not_found(client, collection, colleague):
    client.force_login(colleague)
    item = collection.items.first()
    assert client.get(collection.get_absolute_url()).status_code == 404
    for name, kwargs in [
        ("move", {"item_id": item.pk}),
        ("note", {"item_id": item.pk}),
        ("remove", {"item_id": item.pk}),
        ("share", {}),
        ("feed_issue", {}),
        ("download", {}),
        ("delete", {}),
    ]:
        url = reverse(f"lightboxes:{name}", kwargs={"pk": collection.pk, **kwargs})
        assert client.post(url, {"to": "up", "note": "x"}).status_code == 404, name
    assert collection.items.count() == 2
    assert Collection.objects.get().share_token is None


def test_up_down_buttons_reorder_without_script(verified_client, collection):
    second = collection.items.last()
    response = verified_client.post(
        reverse("lightboxes:move", kwargs={"pk": collection.pk, "item_id": second.pk}),
        {"to": "up"},
        follow=True,
    )
    assert titles(response) == ["Press conference", "Arrivals at the summit"]


def test_a_note_is_saved_and_a_too_long_one_refused_with_a_message(verified_client, collection):
    item = collection.items.first()
    url = reverse("lightboxes:note", kwargs={"pk": collection.pk, "item_id": item.pk})
    verified_client.post(url, {"note": "Use 0:12 to 0:30"})
    item.refresh_from_db()
    assert item.note == "Use 0:12 to 0:30"
    response = verified_client.post(url, {"note": "x" * 2001}, follow=True)
    assert "at most 2000 characters" in response.content.decode()
    item.refresh_from_db()
    assert item.note == "Use 0:12 to 0:30"


def test_a_shared_link_shows_the_collection_read_only(client, collection, colleague):
    collection.share_token = "t" * 43
    collection.save()
    client.force_login(colleague)
    response = client.get(collection.share_url)
    page = response.content.decode()
    assert titles(response) == ["Arrivals at the summit", "Press conference"]
    assert "Opening shot" in page
    assert reverse("lightboxes:shared_download", args=[collection.share_token]) in page
    assert "Move up" not in page and "Remove" not in page and "Stop sharing" not in page


def test_a_forged_or_revoked_share_link_is_not_found_and_says_so(
    verified_client, collection, client
):
    share = reverse("lightboxes:share", kwargs={"pk": collection.pk})
    verified_client.post(share)
    collection.refresh_from_db()
    link = collection.share_url
    assert client.get(link).status_code == 200
    verified_client.post(reverse("lightboxes:unshare", kwargs={"pk": collection.pk}))
    for url in (link, reverse("lightboxes:shared", args=["forged" * 8])):
        response = client.get(url)
        assert response.status_code == 404
        assert "Its owner stopped sharing this collection" in response.content.decode()


def test_a_visitor_with_the_link_is_asked_to_log_in_before_downloading(client, collection):
    collection.share_token = "s" * 43
    collection.save()
    page = client.get(collection.share_url).content.decode()
    assert "Downloads are free for journalists and broadcasters with a verified account." in page
    response = client.post(reverse("lightboxes:shared_download", args=[collection.share_token]))
    assert response["Location"].startswith(reverse("account_login"))
    assert not Download.objects.exists()


def zip_of(client, post_url: str, version: str = "highest"):
    response = client.post(post_url, {"version": version})
    assert response.status_code == 303, response
    return response["Location"], client.get(response["Location"])


def test_download_all_records_every_item_then_streams_the_zip(verified_client, collection):
    _link, response = zip_of(verified_client, reverse("lightboxes:download", args=[collection.pk]))
    assert Download.objects.filter(user=collection.owner).count() == 2
    body = b"".join(response.streaming_content)
    zipped = zipfile.ZipFile(io.BytesIO(body))
    files = [n for n in zipped.namelist()[3:] if n.endswith(".mp4")]
    assert [zipped.read(n) for n in files] == [RENDITION_BYTES] * 2


def test_a_colleague_downloads_by_the_share_link_until_it_is_revoked(
    verified_client, collection, colleague
):
    verified_client.post(reverse("lightboxes:share", kwargs={"pk": collection.pk}))
    collection.refresh_from_db()
    client = Client()
    client.force_login(colleague)
    post_url = reverse("lightboxes:shared_download", args=[collection.share_token])
    link, response = zip_of(client, post_url)
    assert response.status_code == 200
    assert Download.objects.filter(user=colleague).count() == 2
    # The owner's own link is theirs: the colleague cannot use it, nor the owner theirs.
    assert verified_client.get(link).status_code == 404
    verified_client.post(reverse("lightboxes:unshare", kwargs={"pk": collection.pk}))
    assert client.get(link).status_code == 404
    assert client.post(post_url).status_code == 404
    assert Download.objects.filter(user=colleague).count() == 2


def test_a_forged_zip_link_serves_nothing(verified_client):
    assert (
        verified_client.get(reverse("lightboxes:archive", args=["forged:x:y"])).status_code == 404
    )


def test_an_empty_or_withdrawn_collection_says_nothing_can_be_downloaded(
    verified_client, verified_user
):
    collection = CollectionFactory(owner=verified_user)
    ItemFactory(
        collection=collection, video=VideoFactory(status=Video.Status.DRAFT, published_at=None)
    )
    response = verified_client.post(
        reverse("lightboxes:download", args=[collection.pk]), follow=True
    )
    assert "Nothing in this collection can be downloaded." in response.content.decode()
    assert "Unavailable: withdrawn since it was added." in response.content.decode()
    assert not Download.objects.exists()


def test_delete_and_rename(verified_client, collection):
    verified_client.post(reverse("lightboxes:rename", args=[collection.pk]), {"name": "Brussels"})
    collection.refresh_from_db()
    assert collection.name == "Brussels"
    verified_client.post(reverse("lightboxes:delete", args=[collection.pk]))
    assert not Collection.objects.exists() and not Item.objects.exists()


def test_a_french_reader_gets_the_collection_in_french(verified_client, collection):
    verified_client.cookies["django_language"] = "fr"
    page = verified_client.get(collection.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content
    text = page.decode()
    assert "Tout télécharger (zip)" in text and "Partager par lien" in text
    response = verified_client.post(
        ADD_URL, {"video": VideoFactory().slug}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert (
        "Choisissez l’une de vos collections ou nommez-en une nouvelle."  # noqa: RUF001
        in response.content.decode()
    )


def test_the_scripts_drag_posts_the_whole_new_order(verified_client, collection):
    first, second = collection.items.values_list("pk", flat=True)
    page = verified_client.get(collection.get_absolute_url()).content.decode()
    assert 'data-reorder-url="' + reverse("lightboxes:reorder", args=[collection.pk]) in page
    assert "js/collections.js" in page
    url = reverse("lightboxes:reorder", args=[collection.pk])
    response = verified_client.post(url, {"item": [second, first]}, follow=True)
    assert titles(response) == ["Press conference", "Arrivals at the summit"]
    response = verified_client.post(url, {"item": [second]}, follow=True)
    assert "The collection changed meanwhile" in response.content.decode()
    response = verified_client.post(url, {"item": ["x"]}, follow=True)
    assert "The new order could not be read." in response.content.decode()


def test_a_rename_says_what_is_wrong_with_the_name(verified_client, collection):
    CollectionFactory(owner=collection.owner, name="Brussels")
    url = reverse("lightboxes:rename", args=[collection.pk])
    for name, message in [
        ("", "Give the collection a name."),
        ("x" * 121, "at most 120 characters"),
        ("brussels", "You already have a collection named “brussels”."),
    ]:
        response = verified_client.post(url, {"name": name}, follow=True)
        assert message in response.content.decode(), name
    collection.refresh_from_db()
    assert collection.name == "Summit story"
