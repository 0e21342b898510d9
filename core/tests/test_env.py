from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.env import email_settings, env_bool, env_clock, env_list


def test_no_email_url_prints_email_to_the_console():
    assert email_settings("") == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://mail.example:2525",
            {
                "EMAIL_HOST": "mail.example",
                "EMAIL_PORT": 2525,
                "EMAIL_USE_TLS": False,
                "EMAIL_USE_SSL": False,
            },
        ),
        (
            "smtp+tls://user%40corp:p%2Fss@mail.example:587",
            {"EMAIL_HOST_USER": "user@corp", "EMAIL_HOST_PASSWORD": "p/ss", "EMAIL_USE_TLS": True},
        ),
        ("smtp+ssl://u:p@mail.example", {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True}),
        ("smtp://mail.example?timeout=3", {"EMAIL_TIMEOUT": 3, "EMAIL_PORT": 25}),
    ],
)
def test_email_url_configures_the_smtp_backend(url, expected):
    config = email_settings(url)

    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    for key, value in expected.items():
        assert config[key] == value


def test_an_unknown_email_scheme_is_a_clear_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL scheme 'imap'"):
        email_settings("imap://mail.example")


def test_booleans_and_lists_are_read_strictly(monkeypatch):
    monkeypatch.setenv("FLAG", "off")
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")

    assert env_bool("FLAG", default=True) is False
    assert env_list("HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("FLAG", default=True)


@pytest.mark.parametrize(
    ("raw", "expected"), [("07:30", (7, 30)), ("00:00", (0, 0)), ("23:59", (23, 59))]
)
def test_a_time_of_day_is_read_as_hour_and_minute(monkeypatch, raw, expected):
    monkeypatch.setenv("DIGEST_AT", raw)

    assert env_clock("DIGEST_AT", "07:00") == expected


@pytest.mark.parametrize("raw", ["7", "24:00", "07:60", "7:5", "seven"])
def test_a_time_of_day_that_is_not_one_is_a_clear_configuration_error(monkeypatch, raw):
    monkeypatch.setenv("DIGEST_AT", raw)

    with pytest.raises(ImproperlyConfigured, match="is not a time of day"):
        env_clock("DIGEST_AT", "07:00")
