"""Account emails leave through the outbox and a real worker; outages delay them, never lose them."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.conftest import code_in
from mailer.models import OutboundEmail
from mailer.tasks import sweep_outbox_task

SIGNUP = reverse("account_signup")
CODE_PAGE = reverse("account_email_verification_sent")


def age_outbox() -> None:
    """Make every pending row due for the sweep, as if minutes had passed."""
    past = timezone.now() - datetime.timedelta(hours=1)
    OutboundEmail.objects.filter(status="pending").update(created_at=past, next_attempt_at=past)


@pytest.mark.django_db
def test_the_code_never_appears_in_the_outbox_row_or_the_task_arguments(
    register, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    from mailer import tasks

    queued_args: list[tuple] = []
    original = tasks.deliver_email_task.delay
    monkeypatch.setattr(
        tasks.deliver_email_task,
        "delay",
        lambda *args: queued_args.append(args) or original(*args),
    )

    register()

    code = code_in(mailoutbox[0].body)
    row = OutboundEmail.objects.values().get()
    assert code not in str(row)
    assert code not in str(queued_args)
    assert queued_args == [(row["id"],)]


@pytest.mark.django_db
def test_the_code_email_is_sent_in_the_language_of_the_page(
    client, submit, registration_data, mailoutbox
):
    client.cookies["django_language"] = "fr"

    submit(SIGNUP, registration_data, HTTP_ACCEPT_LANGUAGE="fr")

    message = mailoutbox[0]
    assert code_in(message.body)
    assert message.subject.endswith("Votre code de vérification")
    assert "Saisissez ce code pour vérifier votre adresse électronique :" in message.body
    assert "Ce code expire dans 30 minutes." in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="fr">' in html
    # English pages get English: accounts/tests/test_promises.py.


@pytest.mark.django_db(transaction=True)
def test_signup_succeeds_while_the_broker_is_down_and_the_code_is_sent_once_it_is_back(
    client, registration_data, mailoutbox
):
    from core.testing.celery import broker_at
    from core.testing.services import free_port

    with broker_at(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        response = client.post(SIGNUP, registration_data)

    assert response.status_code == 302
    assert response.url.startswith(CODE_PAGE)
    assert mailoutbox == []
    assert OutboundEmail.objects.get().status == "pending"

    age_outbox()
    from mailer.services import sweep_outbox

    assert sweep_outbox()["sent"] == 1
    assert len(mailoutbox) == 1
    response = client.post(CODE_PAGE, {"code": code_in(mailoutbox[0].body)})
    assert response.url.startswith(reverse("accounts:welcome"))


@pytest.mark.integration
def test_signup_delivers_the_code_email_to_the_smtp_server_through_the_worker(
    celery_worker, smtp, client, registration_data, wait
):
    response = client.post(SIGNUP, registration_data)
    assert response.status_code == 302

    received = wait(
        lambda: smtp.messages_to(registration_data["email"]),
        timeout=30,
        message="the code email did not reach the SMTP server",
    )

    assert len(received) == 1
    message = received[0].message
    assert message["Subject"].endswith("Your verification code")
    assert received[0].html()
    code = code_in(received[0].text())
    response = client.post(CODE_PAGE, {"code": code})
    assert response.url.startswith(reverse("accounts:welcome"))
    print(f"code email delivered via worker and SMTP: {len(received)}/1")


@pytest.mark.integration
def test_mail_server_down_during_signup_delays_the_code_email_and_loses_none(
    celery_worker, smtp, client, registration_data, wait
):
    smtp.stop()

    response = client.post(SIGNUP, registration_data)

    assert response.status_code == 302
    wait(
        lambda: OutboundEmail.objects.filter(attempts__gte=1, status="pending").exists(),
        timeout=30,
        message="the worker never tried to send the email",
    )
    assert smtp.messages == []

    smtp.start()
    age_outbox()
    sweep_outbox_task.delay().get(timeout=30)

    received = wait(lambda: smtp.messages_to(registration_data["email"]), timeout=30)
    assert len(received) == 1
    assert OutboundEmail.objects.get().status == "sent"
    print(f"code email delivered after the SMTP outage: {len(received)}/1, none doubled")
