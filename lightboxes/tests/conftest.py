"""Fixtures of the collection tests: a reader with a collection of published videos, and the
media library's accounts, S3 server and shipped nginx site (imported: pytest registers them)."""

from __future__ import annotations

import pytest

from media_library.tests.conftest import (  # noqa: F401 - fixtures, registered by import
    _english_afterwards,
    s3_endpoint,
    s3_storage,
    shipped_site,
    verified_client,
    verified_user,
)


@pytest.fixture
def collection(verified_user):  # noqa: F811 - the imported fixture
    """“Summit story”: two published videos with a rendition each, a note on the first."""
    from lightboxes.tests.factories import CollectionFactory, ItemFactory
    from media_library.tests.factories import RenditionFactory

    collection = CollectionFactory(owner=verified_user, name="Summit story")
    for n, title in enumerate(["Arrivals at the summit", "Press conference"]):
        rendition = RenditionFactory(video__title=title, video__credits=f"Credit {n}")
        ItemFactory(
            collection=collection,
            video=rendition.video,
            position=n,
            note="Opening shot" if n == 0 else "",
        )
    return collection


@pytest.fixture
def colleague(db):
    from accounts.tests.factories import UserFactory

    return UserFactory(verified=True, first_name="Colleague")
