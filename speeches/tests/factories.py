from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from core.testing.factories import ModelFactory
from speeches.models import Speech


class SpeechFactory(ModelFactory):
    class Meta:
        model = Speech

    title = factory.Sequence(lambda n: f"Remarks on transatlantic security, part {n}")
    slug = factory.Sequence(lambda n: f"remarks-{n}")
    speaker_name = "Jane Speaker"
    speaker_role = "Deputy Secretary General"
    event = "Defence Ministers' meeting"
    location = "Brussels, Belgium"
    date_delivered = factory.Sequence(lambda n: datetime.date(2024, 1, 1) + datetime.timedelta(n))
    language = "en"
    body = "Good morning.\n\nThank you for *coming*."
    status = Speech.Status.DRAFT
    published_at = None

    class Params:
        published = factory.Trait(
            status=Speech.Status.PUBLISHED,
            published_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1)),
        )
        scheduled = factory.Trait(
            status=Speech.Status.SCHEDULED,
            published_at=factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1)),
        )

    @factory.post_generation
    def translations(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.translations.set(extracted)
