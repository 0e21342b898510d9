from __future__ import annotations

import io

import pytest

from newsletter import demo
from newsletter.models import Issue

pytestmark = pytest.mark.django_db


def test_the_demo_issue_is_loaded_once():
    demo.load(stdout=io.StringIO())
    demo.load(stdout=io.StringIO())

    issue = Issue.objects.get()
    assert issue.is_draft and issue.subject == demo.DEMO_SUBJECT
