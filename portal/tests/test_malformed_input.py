"""Malformed input to the public pages of several apps never causes a server error."""

from __future__ import annotations

import random
import string
from collections import Counter

import pytest
from django.urls import reverse

from accounts.tests.test_abuse import SUBMISSIONS, random_submission
from newsletter.unsubscribe import unsubscribe_token

pytestmark = pytest.mark.django_db


def test_a_thousand_malformed_catalogue_queries_and_unsubscribe_posts_never_cause_a_server_error(
    client, user, fuzz_seed
):
    rng = random.Random(fuzz_seed)
    catalogue_fields = [
        "q",
        "category",
        "event",
        "language",
        "country",
        "date_from",
        "date_to",
        "min_height",
        "sort",
        "page",
    ]
    token = unsubscribe_token(user=user)
    statuses: Counter = Counter()

    for n in range(SUBMISSIONS):
        response = client.get(
            reverse("media_library:video_list"), random_submission(rng, catalogue_fields)
        )
        statuses[f"catalogue {response.status_code}"] += 1
        assert response.status_code < 500
        forged = token if n % 2 else token[:-4] + "".join(rng.choices(string.ascii_letters, k=4))
        response = client.post(
            reverse("newsletter:one_click", args=[forged]),
            random_submission(rng, ["List-Unsubscribe"]),
        )
        statuses[f"one-click {response.status_code}"] += 1
        assert response.status_code < 500

    print(f"catalogue and one-click unsubscribe: {SUBMISSIONS} each, statuses {dict(statuses)}")
