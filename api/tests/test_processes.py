"""Two gunicorn processes side by side, on the shared PostgreSQL and Redis: a revoked token is
refused by both on the next request, and a token's rate limit is one count across them."""

from __future__ import annotations

import time

import pytest
import requests

from accounts.tests.factories import UserFactory
from api import tokens
from core.testing.web import GunicornProcess


@pytest.fixture
def two_web_processes(worker_environment, tmp_path, transactional_db):
    webs = [
        GunicornProcess(
            env={**worker_environment, "LOG_LEVEL": "WARNING"},
            log_path=tmp_path / f"gunicorn-{n}.log",
            workers=1,
        ).start()
        for n in range(2)
    ]
    yield [web.url for web in webs]
    for web in webs:
        web.stop()


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
