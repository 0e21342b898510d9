"""The catalogue's terms are named by editors in each of the site's languages.

django-modeltranslation adds `name_en` and `name_fr` to each model below (migration 0009) and
makes `name` read the active language's, or the English one while no French name is given:
templates, filters and the API show `term.name` and get the reader's language. Blank names
are stored as NULL, so two terms without a French name do not collide on a unique name.

A language's name comes from Django's own translations when Django knows its code
(`Language.label`); its `name` fields name the others.
"""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from media_library.models import Category, Event, Language, Tag


class NameOptions(TranslationOptions):
    fields = ("name",)
    empty_values = None
    # English is the name every term has; the French one may come later.
    required_languages = ("en",)


register(Category)(NameOptions)
register(Event)(NameOptions)
register(Tag)(NameOptions)
register(Language)(NameOptions)
