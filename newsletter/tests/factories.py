from __future__ import annotations

import factory
from django.utils import timezone

from accounts.models import User
from newsletter.models import Delivery, Issue, Subscription


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"reader{n}@newsroom.example")
    first_name = factory.Sequence(lambda n: f"Reader{n}")
    last_name = "Example"
    # No password: these tests log in with force_login, and hashing would only slow them.
    password = factory.PostGenerationMethodCall("set_unusable_password")

    @factory.post_generation
    def _save(self, create: bool, extracted, **kwargs) -> None:
        if create:
            self.save()


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    is_active = True
    consent_at = factory.LazyFunction(timezone.now)
    consent_source = Subscription.Source.SIGNUP


class EditorFactory(UserFactory):
    email = factory.Sequence(lambda n: f"editor{n}@portal.example")
    first_name = "Eddie"
    is_staff = True
    is_superuser = True


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issue

    subject = factory.Sequence(lambda n: f"Newsletter no. {n}")
    intro = "The week in pictures.\n\nNew footage from the summit."


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    issue = factory.SubFactory(IssueFactory, status=Issue.Status.SENDING)
    subscription = factory.SubFactory(SubscriptionFactory)
    email = factory.LazyAttribute(lambda o: o.subscription.user.email)
