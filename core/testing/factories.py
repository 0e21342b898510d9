"""The base of the apps' factory_boy factories (`<app>/tests/factories.py`)."""

from __future__ import annotations

import factory


class ModelFactory(factory.django.DjangoModelFactory):
    """A model's factory whose post-generation hooks save what they change themselves:
    factory_boy's extra save after the hooks is deprecated, and costs a query per object."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True
