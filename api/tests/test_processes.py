"""Two gunicorn processes side by side, on the shared PostgreSQL and Redis: a revoked token is
refused by both on the next request, a token's or an address's rate limit is one count across
them, and a page of the video list built by one is served by the other until an edit."""

from __future__ import annotations

import time

import pytest
import requests

from accounts.tests.factories import UserFactory
from api import tokens
from api.throttling import ANONYMOUS_KEY_PREFIX
from core.testing.web import GunicornProcess


@pytest.fixture
def start_two_web_processes(worker_environment, tmp_path, transactional_db):
    webs = []

    def start(**env: str) -> list[str]:
        webs.extend(
            GunicornProcess(
                env={**worker_environment, "LOG_LEVEL": "WARNING", **env},
                log_path=tmp_path / f"gunicorn-{n}.log",
                workers=1,
            ).start()
            for n in range(2)
        )
        # The port opens before the worker has loaded the site: on a loaded machine its first
        # request could outlast a test's timeout, or straddle the minute a rate test counts in.
        for web in webs:
            requests.get(f"{web.url}/healthz", timeout=60)
        return [web.url for web in webs]

    yield start
    for web in webs:
        web.stop()


@pytest.fixture
def two_web_processes(start_two_web_processes):
    return start_two_web_processes()


def _status(base: str, secret: str) -> int:
    return requests.get(
        f"{base}/api/v1/tags/", headers={"Authorization": f"Bearer {secret}"}, timeout=10
    ).status_code


@pytest.mark.integration
def test_a_revoked_token_is_refused_at_once_by_two_gunicorn_processes(two_web_processes):
    first, second = two_web_processes
    user = UserFactory()
    issued = tokens.create_token(user=user, name="Ingest server")
    # Both processes have seen the token valid: nothing they might remember may outlive it.
    assert [_status(first, issued.secret), _status(second, issued.secret)] == [200, 200]
    assert tokens.revoke_token(user=user, token_id=issued.token.pk)
    assert [_status(first, issued.secret), _status(second, issued.secret)] == [401, 401]
    print("2 gunicorn processes: revoked token refused by 2/2 on the next request")


@pytest.mark.integration
def test_a_tokens_60_requests_a_minute_are_counted_across_two_processes(two_web_processes):
    first, second = two_web_processes
    issued = tokens.create_token(user=UserFactory(), name="Ingest server")
    # Start right after a minute turns, so all 61 requests fall in one window.
    time.sleep(60 - time.time() % 60 + 0.05 if time.time() % 60 > 45 else 0)
    statuses = [_status((first, second)[n % 2], issued.secret) for n in range(60)]
    refused = requests.get(
        f"{first}/api/v1/tags/", headers={"Authorization": f"Bearer {issued.secret}"}, timeout=10
    )
    assert statuses == [200] * 60
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    print("2 gunicorn processes: 60 requests served, 30 by each; the 61st refused with 429")


def _forget_anonymous_counts(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"*{ANONYMOUS_KEY_PREFIX}*"):
        client.delete(key)


@pytest.mark.integration
def test_an_addresss_requests_without_a_token_are_counted_across_two_processes(
    start_two_web_processes, redis_url
):
    first, second = start_two_web_processes(API_ANONYMOUS_REQUESTS_PER_MINUTE="10")
    time.sleep(60 - time.time() % 60 + 0.05 if time.time() % 60 > 50 else 0)
    # Earlier tests' anonymous requests from 127.0.0.1 this minute are in the same Redis.
    _forget_anonymous_counts(redis_url)
    statuses = [
        requests.get(f"{(first, second)[n % 2]}/api/v1/tags/", timeout=10).status_code
        for n in range(11)
    ]
    assert statuses == [200] * 10 + [429]
    print("2 gunicorn processes: 10 anonymous requests served, 5 by each; the 11th refused")


@pytest.mark.integration
def test_a_page_of_the_video_list_is_shared_by_both_processes_until_an_edit(
    start_two_web_processes, settings, redis_url
):
    from django.core.cache import cache

    from media_library.tests.factories import VideoFactory

    # This process writes as the admin's would: its commits move the version in the Redis
    # the web processes read (the settings' cache, not the tests' private one).
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "portal",
        }
    }
    cache.close()
    first, second = start_two_web_processes()
    # Behind nginx both see the same Host; the links of a page (and so its key) hold it.
    same_host = {"Host": first.split("://")[1]}

    def get(web: str) -> requests.Response:
        return requests.get(f"{web}/api/v1/videos/", headers=same_host, timeout=30)

    VideoFactory(title="First")  # committed: transactional_db
    time.sleep(1.1)  # each process re-reads the content version at most once a second
    built, shared = get(first), get(second)
    assert (built.headers["X-Page-Cache"], shared.headers["X-Page-Cache"]) == ("miss", "hit")
    assert shared.content == built.content

    VideoFactory(title="Second")
    time.sleep(1.1)
    titles = [[v["title"] for v in get(web).json()["results"]] for web in (first, second)]
    assert titles == [["Second", "First"], ["Second", "First"]]
