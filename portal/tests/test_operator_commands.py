"""The commands an operator runs (docs/operations.md): editors, the demo in production, the
deployment check."""

from __future__ import annotations

import io
import sys

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from accounts.roles import EDITORS_GROUP

pytestmark = pytest.mark.django_db

STRONG = "Newsroom-Editor-2026!"


def create_editor(*args: str, stdin: str | None = None, monkeypatch=None) -> str:
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    call_command("create_editor", *args, stdout=out)
    return out.getvalue()


def test_an_operator_creates_an_editor_with_the_password_on_stdin_and_she_can_open_the_admin(
    client, monkeypatch
):
    output = create_editor(
        "anna@newsroom.example",
        "--first-name",
        "Anna",
        "--password-stdin",
        stdin=STRONG + "\n",
        monkeypatch=monkeypatch,
    )

    assert "editor anna@newsroom.example created" in output
    anna = User.objects.get(email="anna@newsroom.example")
    assert anna.is_staff and not anna.is_superuser and anna.first_name == "Anna"
    assert list(anna.groups.values_list("name", flat=True)) == [EDITORS_GROUP]
    assert EmailAddress.objects.get(user=anna).verified
    assert client.login(email="anna@newsroom.example", password=STRONG)
    assert client.get("/admin/").status_code == 200


def test_the_password_may_come_from_the_environment_and_a_second_run_resets_it(monkeypatch):
    monkeypatch.setenv("PORTAL_EDITOR_PASSWORD", STRONG)
    create_editor("ben@newsroom.example")
    monkeypatch.setenv("PORTAL_EDITOR_PASSWORD", STRONG + "x")

    output = create_editor("ben@newsroom.example")

    assert "editor ben@newsroom.example updated" in output
    assert User.objects.get(email="ben@newsroom.example").check_password(STRONG + "x")
    assert User.objects.filter(email="ben@newsroom.example").count() == 1


def test_a_weak_or_missing_password_is_refused_and_nothing_is_created(monkeypatch):
    monkeypatch.delenv("PORTAL_EDITOR_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="No password"):
        create_editor("carl@newsroom.example")
    with pytest.raises(CommandError, match="Password refused"):
        create_editor(
            "carl@newsroom.example", "--password-stdin", stdin="short\n", monkeypatch=monkeypatch
        )

    assert not User.objects.filter(email="carl@newsroom.example").exists()


def test_the_demo_editor_never_gets_the_published_password_with_debug_off(settings, monkeypatch):
    from accounts import demo

    settings.DEBUG = False
    monkeypatch.delenv("DEMO_EDITOR_PASSWORD", raising=False)
    out = io.StringIO()

    demo.load(stdout=out)

    editor = User.objects.get(email=demo.DEMO_EDITOR_EMAIL)
    assert not editor.check_password("Editor-Demo-2026!")
    printed = out.getvalue().split(" / ")[1].split()[0]
    assert editor.check_password(printed)  # printed once, for the operator


def test_the_demo_editor_keeps_the_documented_password_for_make_run(settings, monkeypatch):
    from accounts import demo

    settings.DEBUG = True
    monkeypatch.delenv("DEMO_EDITOR_PASSWORD", raising=False)

    demo.load(stdout=io.StringIO())

    assert User.objects.get(email=demo.DEMO_EDITOR_EMAIL).check_password("Editor-Demo-2026!")


def test_migrate_sets_the_site_domain_from_site_url_and_the_check_names_a_mismatch(
    settings, tmp_path
):
    from django.contrib.sites.models import Site

    # The test database was migrated with the default SITE_URL.
    assert Site.objects.get_current().domain == "127.0.0.1:8000"
    settings.SITE_URL = "https://media.example.org"
    settings.STATIC_ROOT = tmp_path / "missing"
    settings.REDIS_URL = ""
    out = io.StringIO()

    with pytest.raises(CommandError, match="site domain, static files"):
        call_command("check_deployment", "--no-processes", stdout=out)

    report = out.getvalue()
    assert "site domain: '127.0.0.1:8000' but SITE_URL says 'media.example.org'" in report
    assert f"static files: STATIC_ROOT {tmp_path / 'missing'} does not exist" in report
    assert "database: answers" in report
