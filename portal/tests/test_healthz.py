from __future__ import annotations

import logging

import pytest

from portal import health

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database_as_json(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_healthz_reports_503_when_redis_is_configured_but_unreachable(client, settings):
    from core.testing.services import free_port

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "unavailable"},
    }


@pytest.mark.integration
def test_healthz_reports_a_live_redis(client, settings, redis_url):
    settings.REDIS_URL = redis_url

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


# --- Finding 10 of the security review: the public /healthz showed the error text of the
# database and Redis drivers, with hosts and ports.


def test_finding_10_healthz_hides_redis_host_and_port_and_logs_them(client, settings, caplog):
    from core.testing.services import free_port

    port = free_port()
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"

    with caplog.at_level(logging.WARNING, logger="portal.health"):
        response = client.get("/healthz")

    assert response.status_code == 503
    text = response.content.decode()
    assert str(port) not in text and "127.0.0.1" not in text and "Error" not in text
    (record,) = [r for r in caplog.records if r.name == "portal.health"]
    assert record.check == "redis"
    assert f"127.0.0.1:{port}" in record.getMessage()


def test_finding_10_healthz_hides_the_database_error_and_logs_it(
    client, settings, caplog, monkeypatch
):
    settings.REDIS_URL = ""
    reason = 'connection to server at "db.internal" (10.0.0.5), port 5433 failed: user "portal"'

    class UnreachableDatabase:
        def cursor(self):
            import psycopg

            raise psycopg.OperationalError(reason)

    monkeypatch.setattr(health, "connection", UnreachableDatabase())

    with caplog.at_level(logging.WARNING, logger="portal.health"):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
    for secret in ("db.internal", "10.0.0.5", "5433", "portal", "OperationalError"):
        assert secret not in response.content.decode()
    (record,) = [r for r in caplog.records if r.name == "portal.health"]
    assert record.check == "database"
    assert record.getMessage() == f"health check database failed: OperationalError: {reason}"
