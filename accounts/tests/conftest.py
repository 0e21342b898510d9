from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

CODE_PATTERN = re.compile(r"\b([BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4})\b")
NEW_PASSWORD = "Brand-New-Secret-77"
WRONG_CODE = "BBBB-CCCC"  # well formed, never issued


def code_in(body: str) -> str:
    match = CODE_PATTERN.search(body)
    assert match, f"no code in email body:\n{body}"
    return match.group(1)


@pytest.fixture
def submit(client, django_capture_on_commit_callbacks):
    """POST as a browser would, then run what the commit would trigger (the email tasks)."""

    def _submit(url: str, data: dict | None = None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {}, **kwargs)

    return _submit


@pytest.fixture
def submit_wrong_codes(submit):
    """Submit a wrong code `times` times: each attempt before the last must be refused with
    "Incorrect code."; returns the answer to the last one."""

    def _submit_wrong_codes(url: str, *, times: int):
        for _ in range(times - 1):
            response = submit(url, {"code": WRONG_CODE})
            assert response.status_code == 200
            assert "Incorrect code." in response.content.decode()
        return submit(url, {"code": WRONG_CODE})

    return _submit_wrong_codes


@pytest.fixture
def registration_data() -> dict[str, str]:
    return {
        "first_name": "Ada",
        "last_name": "Reporter",
        "organisation": "Europe Broadcast News",
        "country": "FR",
        "email": "ada@ebn.example",
        "password1": DEFAULT_PASSWORD,
        "password2": DEFAULT_PASSWORD,
        "accept_terms": "on",
    }


@pytest.fixture
def register(submit, registration_data):
    """Fill in the registration form; returns the response."""

    def _register(next_url: str | None = None, **overrides: str):
        url = reverse("account_signup")
        if next_url:
            url += f"?next={next_url}"
        return submit(url, {**registration_data, **overrides})

    return _register


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def unverified_user(db):
    return UserFactory(verified=False)
