"""The default run (`make run`: SQLite, tasks in process, console email, SITE_URL from PORT),
as its own processes: quiet logs, and the Sites framework on SITE_URL (issue 16)."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from portal.tests.test_databases import BASE_DIR, manage

SITE_URL = "http://127.0.0.1:8123"
NOT_INHERITED = ("REDIS_URL", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")

SIGNUP = """
import json
from django.test import Client
response = Client().post("/accounts/signup/", {
    "email": "new.reader@example.org", "first_name": "Ada", "last_name": "Reader",
    "organisation": "Daily Planet", "country": "FR", "accept_terms": "on",
    "password1": "Correct-horse-battery-9", "password2": "Correct-horse-battery-9",
})
print(json.dumps({"status": response.status_code, "location": response.get("Location")}))
"""

SITE = """
import json
from django.contrib.sites.models import Site
print(json.dumps(list(Site.objects.values_list("domain", "name"))))
"""


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> dict[str, str]:
    """The environment of `make run PORT=8123` on a database it has migrated."""
    folder = tmp_path_factory.mktemp("default-run")
    env = {
        # Not this test process's own settings (the e2e suite allows async-unsafe calls).
        **{k: v for k, v in os.environ.items() if k not in NOT_INHERITED},
        "DATABASE_URL": f"sqlite:///{folder / 'portal.sqlite3'}",
        "EMAIL_URL": "",
        "MEDIA_ROOT": str(folder / "media"),
        "LOG_FORMAT": "plain",
        "LOG_LEVEL": "INFO",
        "SITE_URL": SITE_URL,
        "SITE_NAME": "Newsroom Portal",
    }
    manage("migrate", "--noinput", env=env)
    return env


@pytest.mark.integration
def test_a_signup_in_the_default_run_logs_no_warning(default_run):
    """It logged `WARNING kombu.connection No hostname was supplied`: a broker connection
    that tasks run in process never needed."""
    output = manage("shell", "-c", SIGNUP, env=default_run, stderr=True)

    result = json.loads(output.stdout.strip().splitlines()[-1])
    assert result == {"status": 302, "location": "/accounts/confirm-email/"}
    # The code email went out in process: the log says so, and says nothing worse.
    assert re.search(r" INFO mailer\.services .* sent \(email_confirmation_signup\)", output.stderr)
    assert not re.findall(r"^.* (?:WARNING|ERROR|CRITICAL) .*$", output.stderr, re.M)


@pytest.mark.integration
def test_migrate_gives_the_site_the_domain_of_site_url(default_run):
    sites = json.loads(manage("shell", "-c", SITE, env=default_run).strip().splitlines()[-1])

    assert sites == [["127.0.0.1:8123", "Newsroom Portal"]]


@pytest.mark.integration
def test_the_deployment_check_says_when_the_site_is_not_on_site_url(default_run):
    moved = {**default_run, "SITE_URL": "https://media.example.org"}

    on_site = manage("check", "--deploy", env=default_run, stderr=True)
    elsewhere = manage("check", "--deploy", env=moved, stderr=True)

    assert "core.W002" not in on_site.stdout + on_site.stderr
    assert (
        "(core.W002) The Site's domain is '127.0.0.1:8123', but SITE_URL is "
        "'https://media.example.org'."
    ) in elsewhere.stdout + elsewhere.stderr


def test_make_run_gives_every_command_a_site_url_on_its_port():
    commands = subprocess.run(
        ["make", "--dry-run", "--always-make", "run", "PORT=8123"],
        cwd=BASE_DIR, capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip

    run = [line for line in commands if "manage.py" in line]
    assert [line.split("manage.py ")[1] for line in run] == [
        "migrate --noinput",
        "load_demo",
        "runserver 127.0.0.1:8123",
    ]
    assert all(line.startswith(f"SITE_URL={SITE_URL} ") for line in run)
