"""Deleting an account (accounts/services.py::delete_account) ends all of its sessions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from importlib import import_module

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from mailer.models import OutboundEmail
from mailer.services import queue_email, sweep_outbox

pytestmark = pytest.mark.django_db

MY_ACCOUNT = reverse("accounts:my_account")


@pytest.fixture
def redis_session_cache(settings, redis_url) -> Iterator[None]:
    """The production cache (core.cache), on the test Redis under a prefix of its own."""
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    yield
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def sessions_naming(store_class, user) -> list[str]:
    rows = store_class.get_model_class().objects.values_list("session_key", "session_data")
    decoder = store_class()
    return [key for key, data in rows if decoder.decode(data).get(SESSION_KEY) == str(user.pk)]


# Finding 10 of the security review: deleting an account left the account's other sessions
# in the database and in the Redis session cache, still naming it.
@pytest.mark.parametrize(
    ("engine", "cache"),
    [
        pytest.param("core.sessions", "redis", marks=pytest.mark.integration),
        ("core.sessions", "memory"),
        ("django.contrib.sessions.backends.db", "memory"),
    ],
)
def test_finding_10_deleting_an_account_ends_its_sessions_on_every_device(
    request, settings, engine, cache, django_capture_on_commit_callbacks
):
    if cache == "redis":
        request.getfixturevalue("redis_session_cache")
    settings.SESSION_ENGINE = engine
    store_class = import_module(engine).SessionStore
    user, bystander = UserFactory(), UserFactory()
    laptop, phone, colleague = Client(), Client(), Client()
    laptop.force_login(user)
    phone.force_login(user)
    colleague.force_login(bystander)
    phone_session = phone.cookies[settings.SESSION_COOKIE_NAME].value
    assert "Log out" in phone.get("/").content.decode()
    session_cache = caches[settings.SESSION_CACHE_ALIAS]
    cached_copy = store_class(phone_session).cache_key if engine == "core.sessions" else None
    if cached_copy:
        assert session_cache.get(cached_copy) is not None

    with django_capture_on_commit_callbacks(execute=True):
        response = laptop.post(reverse("accounts:delete_account"), {"password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert sessions_naming(store_class, user) == []
    assert not store_class.get_model_class().objects.filter(session_key=phone_session).exists()
    if cached_copy:
        assert session_cache.get(cached_copy) is None
    # Even the cached public pages, which trust the session alone, see a visitor.
    assert "Log in" in phone.get("/").content.decode()
    assert phone.get(MY_ACCOUNT).status_code == 302
    assert colleague.get(MY_ACCOUNT).status_code == 200
    assert len(sessions_naming(store_class, bystander)) == 1


def test_a_failed_deletion_ends_no_session(client):
    user = UserFactory()
    phone = Client()
    phone.force_login(user)
    client.force_login(user)

    client.post(reverse("accounts:delete_account"), {"password": "wrong"})

    assert phone.get(MY_ACCOUNT).status_code == 200


# Finding 10: deleting an account left its outbox rows behind, each with the address and the
# subject, and its pending emails still went out after the account was gone.
def test_finding_10_deleting_an_account_removes_its_outbox_rows(client, run_on_commit, mailoutbox):
    user, bystander = UserFactory(), UserFactory()
    EmailAddress.objects.create(user=user, email="new-desk@newsroom.example", verified=False)
    with run_on_commit():  # a real email of the account, sent through the outbox
        client.post(reverse("account_reset_password"), {"email": user.email})
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.SENT
    pending = [
        queue_email(to=[user.email.upper()], subject="Still waiting", text_body="t"),
        queue_email(to=["new-desk@newsroom.example"], subject="To the new address", text_body="t"),
    ]
    kept = queue_email(to=[bystander.email], subject="Not theirs", text_body="t")
    assert OutboundEmail.objects.filter(status="pending").count() == 3
    client.force_login(user)

    with run_on_commit():
        response = client.post(reverse("accounts:delete_account"), {"password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert list(OutboundEmail.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not OutboundEmail.objects.filter(pk__in=[p.pk for p in pending]).exists()
    sent_before = len(mailoutbox)
    assert sweep_outbox(older_than_seconds=0)["sent"] == 1
    assert [m.to for m in mailoutbox[sent_before:]] == [[bystander.email]]
