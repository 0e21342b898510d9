from __future__ import annotations

import json
import logging

import pytest

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")

    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_pages_carry_the_other_security_headers(client):
    response = client.get("/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_no_page_template_contains_inline_script_or_style():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        if "/email/" in str(template):
            continue  # email clients need inline styles; a CSP does not apply to mail
        text = template.read_text()
        if "<script>" in text or ("<script " in text and "src=" not in text) or " style=" in text:
            offenders.append(str(template.relative_to(root)))
    assert offenders == []


def test_every_request_writes_one_json_access_line_with_its_request_id(client, caplog):
    from core.observability import JsonFormatter

    with caplog.at_level(logging.INFO, logger="portal.access"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="abc123def456")

    assert response["X-Request-ID"] == "abc123def456"
    records = [r for r in caplog.records if r.name == "portal.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["request_id"] == "abc123def456"
    assert line["status"] == 200
    assert line["path"] == "/healthz"
    assert isinstance(line["duration_ms"], float)


def test_a_forged_request_id_header_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")

    assert response["X-Request-ID"] != "bad id\nwith newline"
    assert len(response["X-Request-ID"]) == 32


def test_tasks_log_one_json_line_tagged_with_the_request_that_queued_them(
    client, caplog, django_capture_on_commit_callbacks
):
    from core.observability import JsonFormatter, request_id_var
    from mailer.tests.factories import queued_email

    token = request_id_var.set("req-0001-test")
    try:
        with (
            caplog.at_level(logging.INFO, logger="portal.tasks"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            queued_email()
    finally:
        request_id_var.reset(token)

    lines = [
        json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "portal.tasks"
    ]
    assert [line["task"] for line in lines] == ["mailer.tasks.deliver_email"]
    assert lines[0]["state"] == "SUCCESS"
