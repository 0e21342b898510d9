from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from accounts.models import User
from core.testing.factories import ModelFactory

DEFAULT_PASSWORD = "Correct-Horse-42!"


class UserFactory(ModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"journalist{n}@newsroom.example")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    organisation = "Newsroom TV"
    country = "BE"
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: bool | None, **kwargs) -> None:
        """A verified primary address unless `verified=False` is passed."""
        if not create:
            return
        self.save()
        EmailAddress.objects.create(
            user=self, email=self.email, primary=True, verified=extracted is not False
        )
