"""Abuse: random and malformed submissions, guessed codes, and account enumeration.

Each test prints its figure, e.g. "signup: 1000 malformed submissions, 0 server errors",
and its seed (`fuzz_seed` in the root conftest): `FUZZ_SEED=<n>` replays a run.
"""

from __future__ import annotations

import random
import string
import time
from collections import Counter

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client
from django.urls import reverse

from accounts.forms import SignupForm
from accounts.tests.conftest import code_in
from accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

SUBMISSIONS = 1000
# Codes die at their 5th wrong guess: guessing is spread over many codes, each guessed until
# it dies, then the dead flow is guessed at too.
LIVE_CODES = 20
GUESSES_PER_CODE = 5
DEAD_FLOW_GUESSES = 1000
CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
ERROR_MARKERS = ("errorlist", 'role="alert"')


def random_value(rng: random.Random) -> str | list[str]:
    kind = rng.randrange(8)
    if kind == 0:
        return ""
    if kind == 1:
        return "A" * rng.choice([255, 4096, 100_000])  # huge
    if kind == 2:
        return "".join(rng.choice(string.printable) for _ in range(rng.randrange(1, 40)))
    if kind == 3:
        return "\x00nul" + "é" * rng.randrange(5)  # null bytes and non-ASCII
    if kind == 4:
        return [str(rng.randrange(10**9)) for _ in range(rng.randrange(1, 4))]  # repeated
    if kind == 5:
        return str(rng.choice([-1, 0, 10**30, 3.5]))  # wrong type
    if kind == 6:
        return "<script>alert(1)</script>' OR 1=1 --"
    return "user@example.org"


def random_submission(rng: random.Random, fields: list[str]) -> dict:
    chosen = [f for f in fields if rng.random() < 0.7]
    chosen += ["".join(rng.choices(string.ascii_lowercase, k=6)) for _ in range(rng.randrange(3))]
    return {name: random_value(rng) for name in chosen}


def fuzz(url: str, fields: list[str], *, client_factory, seed: int) -> Counter:
    rng = random.Random(seed)
    statuses: Counter = Counter()
    for n in range(SUBMISSIONS):
        without_csrf = n % 10 == 0
        client = client_factory(enforce_csrf=without_csrf)
        response = client.post(url, random_submission(rng, fields))
        statuses[response.status_code] += 1
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code == 200:
            page = response.content.decode()
            assert any(marker in page for marker in ERROR_MARKERS), f"{url}: 200 without a message"
    return statuses


@pytest.fixture
def no_rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = False  # exercise validation, not the limiter


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("account_signup", SignupForm.field_order),  # every field the signup form has
        ("account_login", ["login", "password", "remember"]),
        ("account_reset_password", ["email"]),
    ],
)
def test_a_thousand_malformed_submissions_get_4xx_or_a_message_never_a_server_error(
    name, fields, no_rate_limits, client, django_capture_on_commit_callbacks, fuzz_seed
):
    csrf_client = Client(enforce_csrf_checks=True)

    statuses = fuzz(
        reverse(name),
        fields,
        seed=fuzz_seed,
        client_factory=lambda enforce_csrf: csrf_client if enforce_csrf else client,
    )

    assert sum(statuses.values()) == SUBMISSIONS
    assert statuses[403] == SUBMISSIONS // 10  # every submission without a CSRF token
    print(
        f"{name}: {SUBMISSIONS} malformed submissions, statuses {dict(statuses)}, 0 server errors"
    )


def test_malformed_code_submissions_never_break_the_code_page(
    register, submit, client, registration_data, no_rate_limits, fuzz_seed
):
    """Every submission meets a live code: 5 invalid ones end a flow, so a new one is opened."""
    url = reverse("account_email_verification_sent")
    login = {"login": registration_data["email"], "password": registration_data["password1"]}
    register()
    rng = random.Random(fuzz_seed)
    statuses: Counter = Counter()
    codes = 1

    for _ in range(SUBMISSIONS):
        response = client.post(url, random_submission(rng, ["code", "action", "email"]))
        statuses[response.status_code] += 1
        assert response.status_code < 500
        if response.status_code == 302 and response.url.startswith(reverse("account_login")):
            assert submit(reverse("account_login"), login).url.startswith(url)
            codes += 1

    assert not EmailAddress.objects.filter(verified=True).exists()
    print(
        f"code page: {SUBMISSIONS} malformed submissions, each to a live code "
        f"({codes} codes opened), statuses {dict(statuses)}"
    )


def random_code(rng: random.Random) -> str:
    letters = "".join(rng.choices(CODE_ALPHABET, k=8))
    return f"{letters[:4]}-{letters[4:]}"


def test_guessed_codes_are_all_refused_and_each_code_dies_at_its_fifth_wrong_guess(
    register, submit, client, mailoutbox, registration_data, fuzz_seed
):
    rng = random.Random(fuzz_seed)
    login = {"login": registration_data["email"], "password": registration_data["password1"]}
    url = reverse("account_email_verification_sent")
    live_guesses = dead_guesses = 0

    with time_machine.travel(time.time(), tick=False) as traveller:
        register()
        for n in range(LIVE_CODES):
            if n:  # a new code: log in again, past the one-code-per-10-seconds limit
                traveller.shift(11)
                assert submit(reverse("account_login"), login).url.startswith(url)
            real_code = code_in(mailoutbox[-1].body)
            for attempt in range(1, GUESSES_PER_CODE + 1):
                guess = random_code(rng)
                while guess == real_code:
                    guess = random_code(rng)
                response = client.post(url, {"code": guess})
                live_guesses += 1
                if attempt < GUESSES_PER_CODE:
                    assert response.status_code == 200
                    assert "Incorrect code." in response.content.decode()
                else:  # the 5th wrong guess ends the flow
                    assert response.status_code == 302
                    assert response.url.startswith(reverse("account_login"))
            # The code is dead: the real one is refused too.
            response = client.post(url, {"code": real_code})
            assert response.status_code == 302
            assert response.url.startswith(reverse("account_login"))

        for _ in range(DEAD_FLOW_GUESSES):
            response = client.post(url, {"code": random_code(rng)})
            dead_guesses += 1
            assert response.status_code == 302
            assert response.url.startswith(reverse("account_login"))

    assert not EmailAddress.objects.filter(verified=True).exists()
    assert len(mailoutbox) == LIVE_CODES
    print(
        f"{live_guesses} guesses against {LIVE_CODES} live codes ({GUESSES_PER_CODE} each, "
        f"each code dead at its {GUESSES_PER_CODE}th), then {dead_guesses} against the dead "
        "flow: 0 accepted"
    )


def normalised(response, email: str) -> str:
    page = response.content.decode().replace(email, "EMAIL")
    return "\n".join(line for line in page.splitlines() if "csrfmiddlewaretoken" not in line)


class HashCounter:
    def __init__(self, monkeypatch) -> None:
        self.count = 0
        for method in ("encode", "verify"):
            original = getattr(Argon2PasswordHasher, method)

            def counted(*args, _original=original, **kwargs):
                self.count += 1
                return _original(*args, **kwargs)

            monkeypatch.setattr(Argon2PasswordHasher, method, counted)


def test_login_with_a_registered_or_an_unknown_email_gives_the_same_answer_and_work(
    user, monkeypatch
):
    hashes = HashCounter(monkeypatch)
    known = Client().post(reverse("account_login"), {"login": user.email, "password": "Wrong-1!"})
    known_hashes, hashes.count = hashes.count, 0
    unknown = Client().post(
        reverse("account_login"), {"login": "ghost@nowhere.example", "password": "Wrong-1!"}
    )

    assert known.status_code == unknown.status_code == 200
    assert normalised(known, user.email) == normalised(unknown, "ghost@nowhere.example")
    assert known_hashes == hashes.count == 1  # one Argon2 computation either way: no timing tell


def test_registration_with_a_registered_or_a_new_email_gives_the_same_answer_and_work(
    user, registration_data, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    hashes = HashCounter(monkeypatch)
    first, second = Client(), Client()
    with django_capture_on_commit_callbacks(execute=True):
        taken = first.post(reverse("account_signup"), {**registration_data, "email": user.email})
    taken_hashes, hashes.count = hashes.count, 0
    with django_capture_on_commit_callbacks(execute=True):
        new = second.post(reverse("account_signup"), registration_data)

    assert taken.status_code == new.status_code == 302
    assert taken.url == new.url
    assert normalised(first.get(taken.url), user.email) == normalised(
        second.get(new.url), registration_data["email"]
    )
    assert taken_hashes == hashes.count == 1
    assert [m.to for m in mailoutbox] == [[user.email], [registration_data["email"]]]


def test_login_with_the_right_password_still_works_after_the_abuse_checks(client, user):
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("accounts:my_account", ["first_name", "last_name", "organisation", "country"]),
        ("accounts:delete_account", ["password"]),
        ("accounts:newsletter_preference", ["subscribed"]),
        ("accounts:welcome", ["subscribe", "next"]),
    ],
)
def test_a_thousand_malformed_submissions_to_my_account_forms_never_cause_a_server_error(
    name, fields, logged_in, user, fuzz_seed
):
    rng = random.Random(fuzz_seed)
    statuses: Counter = Counter()

    for _ in range(SUBMISSIONS):
        response = logged_in.post(reverse(name), random_submission(rng, fields))
        statuses[response.status_code] += 1
        assert response.status_code < 500, (name, response.status_code)
        if response.status_code == 302:
            assert "://" not in response.url  # never sent to another site

    from accounts.models import User

    assert User.objects.filter(pk=user.pk).exists()  # no junk password deletes the account
    print(
        f"{name}: {SUBMISSIONS} malformed submissions, statuses {dict(statuses)}, 0 server errors"
    )
