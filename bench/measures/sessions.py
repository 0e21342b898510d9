"""Sessions of the bench user, as gunicorn and the load generators present them."""

from __future__ import annotations


def signed_in_browser_cookies(email: str) -> str:
    """The Cookie header of a signed-in browser: its session and its CSRF cookie.

    A browser that logged in through the form holds both; one that sent only the session
    would make every page mint a new CSRF secret, which no real reader does.
    """
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(User.objects.get(email=email))
    client.get(reverse("accounts:my_account"), secure=True)  # its forms set the CSRF cookie
    names = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
    missing = [name for name in names if name not in client.cookies]
    if missing:
        raise RuntimeError(f"no {', '.join(missing)} cookie after logging in")
    return "; ".join(f"{name}={client.cookies[name].value}" for name in names)


def session_cookie(email: str) -> tuple[str, str]:
    """A logged-in session for `email`, stored where gunicorn reads it (the database)."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
