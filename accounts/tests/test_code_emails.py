"""The code emails (issue 16): the code is what the eye finds at once, on a line of its own in
the text and large in the HTML, and every link goes to SITE_URL, whatever Host was asked."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from accounts.tests.conftest import CODE_PATTERN, code_in

pytestmark = pytest.mark.django_db

SITE_URL = "https://media.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings) -> None:
    settings.SITE_URL = SITE_URL


class _CodeElement(HTMLParser):
    """The text of every element of an HTML body, with the element's inline style."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, str]] = []
        self.texts: list[tuple[str, str, str]] = []  # (tag, style, text)
        self.links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.links.append(attrs.get("href", ""))
        self.open.append((tag, attrs.get("style") or ""))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if data.strip() and self.open:
            self.texts.append((*self.open[-1], data.strip()))


def html_of(message) -> str:
    return {mimetype: body for body, mimetype in message.alternatives}["text/html"]


def signup_email(submit, registration_data, mailoutbox, **headers):
    submit(reverse("account_signup"), registration_data, HTTP_HOST="localhost", **headers)
    return mailoutbox[-1]


def reset_email(submit, user, mailoutbox, **headers):
    submit(reverse("account_reset_password"), {"email": user.email}, HTTP_HOST="localhost",
           **headers)  # fmt: skip
    return mailoutbox[-1]


@pytest.fixture(params=["signup", "reset"])
def code_email(request, registration_data, submit, mailoutbox):
    if request.param == "signup":
        return lambda **headers: signup_email(submit, registration_data, mailoutbox, **headers)
    user = request.getfixturevalue("user")
    return lambda **headers: reset_email(submit, user, mailoutbox, **headers)


def test_the_text_gives_the_code_on_a_line_of_its_own_between_blank_lines(code_email):
    message = code_email()

    lines = message.body.splitlines()
    at = next(n for n, line in enumerate(lines) if CODE_PATTERN.search(line))
    assert lines[at].strip() == code_in(message.body)
    assert lines[at - 1] == lines[at + 1] == ""


def test_the_html_gives_the_code_alone_in_large_spaced_type(code_email):
    message = code_email()
    html = html_of(message)

    holders = [(style, text) for _, style, text in _CodeElement(html).texts
               if CODE_PATTERN.search(text)]  # fmt: skip
    assert len(holders) == 1
    style, text = holders[0]
    assert text == code_in(message.body)  # the element holds the code and nothing else
    size = int(re.search(r"font-size:(\d+)px", style).group(1))
    assert size >= 2 * 16  # twice the body's type
    assert "letter-spacing" in style
    assert "monospace" in style


def test_every_link_of_a_code_email_is_on_site_url(code_email):
    message = code_email()
    html = html_of(message)

    text_links = re.findall(r"https?://\S+", message.body)
    assert text_links == [f"{SITE_URL}/"]
    assert _CodeElement(html).links == [f"{SITE_URL}/"]
    assert "localhost" not in message.body + html


def test_a_french_reader_gets_the_code_email_in_french(code_email):
    message = code_email(HTTP_ACCEPT_LANGUAGE="fr")
    html = html_of(message)

    assert "Saisissez ce code pour" in message.body
    assert "Saisissez ce code pour" in html
    assert '<html lang="fr">' in html
