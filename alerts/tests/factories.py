from __future__ import annotations

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from alerts.models import SavedSearch
from alerts.saved import fill
from core.testing.factories import ModelFactory


class SavedSearchFactory(ModelFactory):
    """A saved search as `saved.save_search` fills it: pass `filters` as the catalogue's form
    cleans them ({"q": "flood", "category": <Category>, ...})."""

    class Meta:
        model = SavedSearch

    user = factory.SubFactory(UserFactory)
    frequency = SavedSearch.Frequency.INSTANT
    email_language = "en"
    # Saved a while ago: videos published from now on are new to it.
    created_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))
    filters = factory.Sequence(lambda n: {"q": f"topic{n}"})

    @classmethod
    def _create(cls, model_class, *args, filters=None, **kwargs):
        search = model_class(*args, **kwargs)
        fill(search, filters or {})
        search.save()
        return search
