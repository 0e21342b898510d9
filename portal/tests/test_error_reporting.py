"""Error reports go to Sentry only when SENTRY_DSN is set (docs/operations.md, "Checking it")."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from core.testing.services import PROJECT_DIR

PROBE = (
    "import django; django.setup(); import sentry_sdk; "
    "client = sentry_sdk.get_client(); "
    "print(client.is_active(), client.options.get('send_default_pii'), "
    "sorted(i for i in client.integrations if i in ('django', 'celery')))"
)


def probe(**env: str) -> str:
    inherited = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=PROJECT_DIR,
        env={**inherited, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "False None []"),
        (
            # A DSN nobody listens on: initialising sends nothing.
            {"SENTRY_DSN": "http://public-key@127.0.0.1:9/1"},
            "True False ['celery', 'django']",
        ),
    ],
    ids=["unset", "set"],
)
def test_sentry_is_initialised_only_with_a_dsn_and_without_personal_data(env, expected):
    assert probe(**env) == expected
