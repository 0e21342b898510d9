"""The default run (`make run`: SQLite, tasks in process, console email) logs no warning that
asks for no action: a signup used to log `WARNING kombu.connection No hostname was supplied`
(issue 16), from a broker connection that tasks run in process never needed."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from portal.tests.test_databases import manage

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


@pytest.mark.integration
def test_a_signup_in_the_default_run_logs_no_warning(tmp_path: Path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "EMAIL_URL": "",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_FORMAT": "plain",
        "LOG_LEVEL": "INFO",
    }
    manage("migrate", "--noinput", env=env)

    output = manage("shell", "-c", SIGNUP, env=env, stderr=True)

    result = json.loads(output.stdout.strip().splitlines()[-1])
    assert result == {"status": 302, "location": "/accounts/confirm-email/"}
    # The code email went out in process: the log says so, and says nothing worse.
    assert re.search(r" INFO mailer\.services .* sent \(email_confirmation_signup\)", output.stderr)
    assert not re.findall(r"^.* (?:WARNING|ERROR|CRITICAL) .*$", output.stderr, re.M)
