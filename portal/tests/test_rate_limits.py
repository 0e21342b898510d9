"""Rate limits and lockout hold where attackers try them: behind the shipped proxy, on the admin
login, and with Redis down (security review, findings 1, 2 and 8)."""

from __future__ import annotations

import math
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from django.core.cache import cache
from django.urls import reverse
from requests.adapters import HTTPAdapter

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from core.testing.nginx import NginxProcess
from core.testing.services import free_port, require_executable
from core.testing.web import GunicornProcess, csrf_token

ROOT = Path(__file__).resolve().parents[2]
LOCKED = "Too many failed login attempts"


# --- Behind nginx: one client's failures never lock another (finding 1) ----------------------


class FromAddress(HTTPAdapter):
    """Connections from one loopback address: nginx sees each client as its own host."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


class Browser:
    def __init__(self, base_url: str, address: str) -> None:
        self.base_url = base_url
        self.address = address
        self.session = requests.Session()
        self.session.mount("http://", FromAddress(address))

    def log_in(self, email: str, password: str) -> str:
        """The login form, filled in and posted: signed in, refused (wrong password), locked
        (too many failed logins) or throttled (429: too many logins at all)."""
        self.session.cookies.clear()
        form = self.session.get(f"{self.base_url}/accounts/login/", timeout=30)
        response = self.session.post(
            f"{self.base_url}/accounts/login/",
            data={
                "login": email,
                "password": password,
                "csrfmiddlewaretoken": csrf_token(form.text),
            },
            headers={"Referer": f"{self.base_url}/accounts/login/"},
            allow_redirects=False,
            timeout=30,
        )
        if response.status_code == 302:
            return "signed in"
        if response.status_code == 429:
            return "throttled"
        return "locked" if LOCKED in response.text else "refused"


@pytest.fixture
def behind_nginx(worker_environment, tmp_path, transactional_db):
    """The portal as deployed: gunicorn behind nginx, which appends the client's address to
    X-Forwarded-For; the portal trusts that one proxy (DJANGO_TRUSTED_PROXY_COUNT=1)."""
    web = GunicornProcess(
        env={**worker_environment, "DJANGO_TRUSTED_PROXY_COUNT": "1", "LOG_LEVEL": "WARNING"},
        log_path=tmp_path / "gunicorn.log",
        workers=2,
    ).start()
    nginx = NginxProcess(
        binary=require_executable("nginx", hint="apt-get install -y nginx"),
        prefix=tmp_path / "nginx",
        upstream=web.url,
        private_root=tmp_path,
    ).start()
    yield nginx.url
    nginx.stop()
    web.stop()


def loopback_pair() -> tuple[str, str]:
    """Two client addresses no other test used lately (the limits live in the shared Redis)."""
    base = f"127.{random.randrange(1, 255)}.{random.randrange(1, 255)}"
    return f"{base}.10", f"{base}.20"


@pytest.mark.integration
def test_finding_1_failed_logins_from_one_address_do_not_lock_a_reader_at_another(
    behind_nginx,
):
    attacker_address, reader_address = loopback_pair()
    reader = UserFactory(email="reader@newsroom.example")
    attacker = Browser(behind_nginx, attacker_address)

    answers = [attacker.log_in(f"guess{n}@newsroom.example", "wrong-guess") for n in range(12)]

    assert answers == ["refused"] * 10 + ["locked"] * 2  # 10 failed logins per minute and address
    assert (
        Browser(behind_nginx, reader_address).log_in(reader.email, DEFAULT_PASSWORD) == "signed in"
    )


@pytest.mark.integration
def test_drill_a_thousand_failed_logins_from_one_address_while_another_logs_in_every_second(
    behind_nginx,
):
    """A correct login every second from the readers' side, for as long as the attack lasts.

    Two readers at neighbouring addresses take turns: one reader alone logging in every second
    would pass the login limit of its own address (30 a minute) once the attack lasts over
    half a minute, as it does on a loaded machine, and be throttled by its own doing.
    """
    attacker_address, reader_address = loopback_pair()
    colleague_address = reader_address.rsplit(".", 1)[0] + ".21"
    reader = UserFactory(email="every.second@newsroom.example")
    attacks: list[str] = []
    done = threading.Event()

    def attack(worker: int) -> None:
        browser = Browser(behind_nginx, attacker_address)
        for n in range(250):
            attacks.append(browser.log_in(f"stuffed{worker}-{n}@example.org", "hunter2-guess"))
        done.set()

    attackers = [threading.Thread(target=attack, args=(w,)) for w in range(4)]
    for thread in attackers:
        thread.start()
    logins: list[str] = []
    readers = [Browser(behind_nginx, reader_address), Browser(behind_nginx, colleague_address)]
    began = time.monotonic()
    while not done.is_set() or any(thread.is_alive() for thread in attackers):
        started = time.monotonic()
        logins.append(readers[len(logins) % 2].log_in(reader.email, DEFAULT_PASSWORD))
        time.sleep(max(0.0, 1 - (time.monotonic() - started)))
    for thread in attackers:
        thread.join()
    minutes = math.ceil((time.monotonic() - began) / 60)

    counts = {answer: attacks.count(answer) for answer in ("refused", "locked", "throttled")}
    print(
        f"1,000 failed logins from {attacker_address} in {minutes} min: {counts}; "
        f"{len(logins)} correct logins from {reader_address} and {colleague_address}, "
        f"{logins.count('signed in')} signed in"
    )
    assert len(attacks) == 1000 and "signed in" not in attacks
    assert counts["refused"] <= 10 * minutes  # failed logins per minute and address
    assert counts["refused"] + counts["locked"] <= 30 * minutes  # logins per minute and address
    assert len(logins) >= 3
    assert logins == ["signed in"] * len(logins)


@pytest.mark.django_db
def test_the_trusted_proxy_count_reads_the_client_from_x_forwarded_for(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    for n in range(10):
        client.post(
            reverse("account_login"),
            {"login": f"guess{n}@example.org", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="forged, 198.51.100.7",  # nginx appended the real address
        )

    throttled = client.post(
        reverse("account_login"),
        {"login": "guess@example.org", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="203.0.113.1, 198.51.100.7",  # a forged first entry changes nothing
    )
    other_client = client.post(
        reverse("account_login"),
        {"login": user.email, "password": DEFAULT_PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )

    assert LOCKED in throttled.content.decode()  # the 11th failure of 198.51.100.7
    assert other_client.status_code == 302


def test_the_deployed_environment_trusts_one_proxy():
    example = (ROOT / "deploy" / "portal.env.example").read_text()
    assert "\nDJANGO_TRUSTED_PROXY_COUNT='1'\n" in example
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from portal import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)",
        ],
        cwd=ROOT,
        env={"DJANGO_TRUSTED_PROXY_COUNT": "1", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "1"


# --- The admin login: the site's, with its lockout (finding 2) -------------------------------


@pytest.mark.django_db
def test_finding_2_the_admin_login_cannot_be_brute_forced(client):
    editor = UserFactory(email="editor@newsroom.example", is_staff=True)

    for _ in range(15):
        response = client.post(
            "/admin/login/?next=/admin/", {"username": editor.email, "password": "wrong"}
        )
        assert response.status_code == 302
        assert response.url == "/accounts/login/?next=%2Fadmin%2F"
    right = client.post("/admin/login/", {"username": editor.email, "password": DEFAULT_PASSWORD})

    assert right.status_code == 302 and right.url.startswith("/accounts/login/")
    assert client.get("/admin/").status_code == 302  # not signed in by the admin's form
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_editor_signs_in_to_the_admin_through_the_site_login_which_locks_after_5_failures(
    client,
):
    editor = UserFactory(email="editor@newsroom.example", is_staff=True, is_superuser=True)
    login = reverse("account_login") + "?next=/admin/"
    for _ in range(5):
        client.post(login, {"login": editor.email, "password": "wrong"})
    locked = client.post(login, {"login": editor.email, "password": DEFAULT_PASSWORD})
    assert LOCKED in locked.content.decode()

    cache.clear()  # five minutes later
    response = client.post(login, {"login": editor.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_signed_in_reader_who_is_not_staff_gets_a_403_from_the_admin_not_a_loop(client):
    client.force_login(UserFactory())
    assert client.get("/admin/login/?next=/admin/").status_code == 403


# --- Redis down: limits fail closed (finding 8) -------------------------------------------------


@pytest.mark.django_db
def test_finding_8_password_guesses_are_still_limited_when_redis_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    cache.close()
    user = UserFactory()
    answers = []
    for _ in range(12):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "x"})
        answers.append(LOCKED in response.content.decode())

    assert answers == [False] * 5 + [True] * 7  # 5 per 300 s per address, as with Redis
    right = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )
    assert LOCKED in right.content.decode()


def test_finding_8_check_deploy_refuses_production_without_a_shared_cache():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 60 + "-production-like-secret-key-for-the-check",
        "DJANGO_ALLOWED_HOSTS": "media.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "core.E001" in result.stderr and "REDIS_URL" in result.stderr
