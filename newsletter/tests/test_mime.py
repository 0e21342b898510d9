"""The per-batch MIME template gives each subscriber the message Django would have built."""

from __future__ import annotations

import email
import email.policy

import pytest

from newsletter import rendering
from newsletter.mime import MessageTemplate
from newsletter.tests.conftest import expected_links
from newsletter.tests.factories import IssueFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADERS = (
    "Subject",
    "From",
    "To",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "List-Id",
    "MIME-Version",
    "Content-Type",
)


@pytest.fixture
def template_fills(monkeypatch):
    """Records, per message, whether the template made it (True) or the email package (False)."""
    made = []
    fill = MessageTemplate.fill

    def recording(self, recipient):
        data = fill(self, recipient)
        made.append(data is not None)
        return data

    monkeypatch.setattr(MessageTemplate, "fill", recording)
    return made


def parsed(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def assert_same_message(ours: bytes, django: bytes) -> None:
    mine, theirs = parsed(ours), parsed(django)
    assert list(mine.keys()) == list(theirs.keys())
    for name in HEADERS:
        if name == "Content-Type":  # the boundary differs, as it does between two messages
            assert mine.get_content_type() == theirs.get_content_type()
            continue
        # List-Unsubscribe is folded at another place: the same header once unfolded.
        assert str(mine[name]).strip() == str(theirs[name]).strip(), name
    assert email.utils.parsedate_to_datetime(mine["Date"])

    def parts(message):
        return [
            (
                part.get_content_type(),
                part.get_content_charset(),
                part["Content-Transfer-Encoding"],
                part.get_content(),
            )
            for part in message.walk()
            if not part.is_multipart()
        ]

    assert parts(mine) == parts(theirs)
    assert all(len(line) <= 998 for line in ours.split(b"\r\n"))


def django_bytes(renderer, *, first_name: str, to: str, user_id: int = 7) -> bytes:
    message = renderer.message_for(
        user_id=user_id, first_name=first_name, to=to, message_id="<newsletter.1.2@portal.example>"
    )
    return message.message().as_bytes(linesep="\r\n")


def our_message(renderer, *, first_name: str, to: str, user_id: int = 7):
    return renderer.smtp_message(
        user_id=user_id, first_name=first_name, to=to, message_id="<newsletter.1.2@portal.example>"
    )


@pytest.mark.parametrize("intro", ["Plain news.\n\nSecond.", "Café au lait.\n\nÀ bientôt."])
@pytest.mark.parametrize(
    ("first_name", "to"),
    [
        ("Ada", "ada@example.com"),
        ("Zoé", "zoe.x+news@example.org"),
        ("<Ada & Co>", "odd.name@example.org"),
        ("", "no.name@example.org"),
        ("X" * 150, "long.name@example.org"),
    ],
    ids=["ascii", "accented", "html-escaped", "no-name", "longest-name"],
)
def test_a_copy_from_the_template_is_the_message_django_builds(
    site_url, template_fills, intro, first_name, to
):
    renderer = rendering.IssueRenderer(IssueFactory(intro=intro))

    recipients, data = our_message(renderer, first_name=first_name, to=to)

    assert template_fills == [True]
    assert recipients == [to]
    assert_same_message(data, django_bytes(renderer, first_name=first_name, to=to))


@pytest.mark.parametrize(
    ("first_name", "to", "envelope"),
    [
        ("Two\nlines", "ada@example.com", "ada@example.com"),
        ("Ada", "jö@exämple.com", "=?utf-8?b?asO2?=@xn--exmple-cua.com"),
        ("Ada", '"quoted local"@example.com', '"quoted local"@example.com'),
        ("Ada", "a" * 80 + "@example.com", "a" * 80 + "@example.com"),
    ],
    ids=["line-break-in-name", "idn-address", "quoted-address", "address-longer-than-a-line"],
)
def test_values_the_template_cannot_take_are_built_by_the_email_package(
    site_url, template_fills, first_name, to, envelope
):
    renderer = rendering.IssueRenderer(IssueFactory())

    recipients, data = our_message(renderer, first_name=first_name, to=to)

    assert template_fills == [False]
    assert recipients == [envelope]
    assert_same_message(data, django_bytes(renderer, first_name=first_name, to=to))


def test_each_copy_has_its_own_links_date_and_message_id(site_url):
    renderer = rendering.IssueRenderer(IssueFactory())
    ada, bo = UserFactory(first_name="Ada"), UserFactory(first_name="Bo")

    _, first = renderer.smtp_message(
        user_id=ada.pk, first_name="Ada", to=ada.email, message_id="<m1@portal.example>"
    )
    _, second = renderer.smtp_message(
        user_id=bo.pk, first_name="Bo", to=bo.email, message_id="<m2@portal.example>"
    )

    for user, data, message_id in (
        (ada, first, "<m1@portal.example>"),
        (bo, second, "<m2@portal.example>"),
    ):
        message = parsed(data)
        urls = expected_links(user)
        assert message["To"] == user.email and message["Message-ID"] == message_id
        assert message["List-Unsubscribe"].strip() == f"<{urls['one_click']}>, <{urls['mailto']}>"
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert f"Dear {user.first_name}," in text and f"Dear {user.first_name}," in html
        assert urls["page"] in text and urls["page"] in html


def test_a_template_whose_markers_do_not_survive_is_not_used(site_url):
    renderer = rendering.IssueRenderer(IssueFactory(intro="x" * 1200))  # a line over 998 bytes

    # Django encodes such a part as quoted-printable: no template, every copy built as usual.
    assert renderer._mime_template(named=True, ascii_name=True) is None
    _, data = our_message(renderer, first_name="Ada", to="ada@example.com")
    assert_same_message(data, django_bytes(renderer, first_name="Ada", to="ada@example.com"))
