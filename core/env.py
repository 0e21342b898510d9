"""Small readers for the environment variables the settings are built from.

Production is configured by environment variables only; every reader has a safe local default.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_clock(name: str, default: str) -> tuple[int, int]:
    """A time of day `HH:MM` (24-hour clock) as (hour, minute), e.g. for a daily beat task."""
    raw = (os.environ.get(name) or default).strip()
    hour, _, minute = raw.partition(":")
    try:
        clock = (int(hour), int(minute))
    except ValueError:
        clock = (-1, -1)
    if not (0 <= clock[0] <= 23 and 0 <= clock[1] <= 59) or len(minute) != 2:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a time of day (HH:MM, e.g. 07:30).")
    return clock


EMAIL_SCHEMES = {
    "smtp": {"EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False},
    "smtp+tls": {"EMAIL_USE_TLS": True, "EMAIL_USE_SSL": False},
    "smtp+ssl": {"EMAIL_USE_TLS": False, "EMAIL_USE_SSL": True},
}


def email_settings(url: str) -> dict[str, Any]:
    """Turn `EMAIL_URL` into Django's EMAIL_* settings.

    Empty: the console backend. `smtp://host:port`, `smtp+tls://user:password@host:587`,
    `smtp+ssl://user:password@host:465`; `console:` and `locmem:` name those backends;
    `?timeout=N` sets EMAIL_TIMEOUT.
    """
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme not in EMAIL_SCHEMES:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {parts.scheme!r} is not one of "
            f"{', '.join(sorted(EMAIL_SCHEMES))}, console, locmem."
        )
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL has no host name.")
    use_ssl = EMAIL_SCHEMES[parts.scheme]["EMAIL_USE_SSL"]
    default_port = 465 if use_ssl else (587 if parts.scheme == "smtp+tls" else 25)
    query = parse_qs(parts.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port or default_port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_TIMEOUT": int(query.get("timeout", ["10"])[0]),
        **EMAIL_SCHEMES[parts.scheme],
    }
