from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_as_json(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert "redis" not in body["checks"]


def test_healthz_reports_503_when_redis_is_configured_but_unreachable(client, settings):
    from core.testing.services import free_port

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.integration
def test_healthz_reports_a_live_redis(client, settings, redis_url):
    settings.REDIS_URL = redis_url

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == {"ok": True, "detail": "pong"}
