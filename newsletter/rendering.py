"""One issue rendered for many recipients: featured cards, text and HTML parts, headers.

The templates are rendered once per batch with markers where each recipient's first name and
unsubscribe link go; a recipient's copy is those parts with the values pasted in.
"""

from __future__ import annotations

import uuid
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from django.template.loader import render_to_string
from django.utils.html import escape

from accounts.models import User
from media_library.models import Video
from newsletter import conf
from newsletter.mime import MessageTemplate, Recipient
from newsletter.models import Issue
from newsletter.unsubscribe import UnsubscribeLinks
from speeches.models import Speech


def absolute_url(path: str) -> str:
    return f"{conf.site_url()}{path}"


def featured_cards(*, issue: Issue) -> dict[str, list[dict[str, Any]]]:
    """The issue's featured items that are published, as cards: title, absolute link, date.

    Drafts and not-yet-due scheduled items are left out, so an email never links to a page
    the reader cannot open.
    """
    if issue.pk is None:
        return {"videos": [], "speeches": []}
    videos = (
        Video.objects.published()
        .filter(newsletter_issues=issue)
        .only(
            "title",
            "slug",
            "recorded_on",
            "published_at",
            "status",
            "thumbnail",
            "duration_seconds",
        )
    )
    speeches = (
        Speech.objects.published()
        .filter(newsletter_issues=issue)
        .order_by("-date_delivered", "-pk")
        .only("title", "slug", "date_delivered")
    )
    return {
        "videos": [_video_card(video) for video in videos],
        "speeches": [_card(speech, speech.date_delivered) for speech in speeches],
    }


def _card(obj: Any, date: Any) -> dict[str, Any]:
    return {"title": str(obj), "url": absolute_url(obj.get_absolute_url()), "date": date}


def _video_card(video: Video) -> dict[str, Any]:
    """A video's card with its picture (an absolute URL: the email is read elsewhere) and
    duration, as the portal's cards show them."""
    card = _card(video, video.display_date)
    thumbnail = video.thumbnail_url if video.thumbnail else ""
    card["thumbnail"] = absolute_url(thumbnail) if thumbnail.startswith("/") else thumbnail
    card["duration"] = video.duration_display if video.duration_seconds else ""
    return card


class IssueRenderer:
    """Renders one issue for many recipients.

    The templates are rendered once per batch, with markers where the recipient's first name
    and unsubscribe link go; each recipient's copy is then a few string replacements. Django
    templates cost more than the SMTP exchange itself when rendered per message. For the same
    reason the whole MIME message is built once per batch too (`smtp_message`, see
    `newsletter.mime`).
    """

    def __init__(self, issue: Issue) -> None:
        self.issue = issue
        self.cards = featured_cards(issue=issue)
        self.site_url = conf.site_url()
        self.host = urlsplit(self.site_url).hostname or "localhost"
        self.links = UnsubscribeLinks()
        marker = uuid.uuid4().hex
        self._name_marker = f"[first-name-{marker}]"
        self._link_marker = f"[unsubscribe-{marker}]"
        self._rendered: dict[bool, tuple[str, str]] = {}
        self._mime: dict[tuple[bool, bool], MessageTemplate | None] = {}

    def _templates(self, *, named: bool) -> tuple[str, str]:
        """Both parts, with markers; greeting by name or not (the wording differs)."""
        if named not in self._rendered:
            context = {
                "issue": self.issue,
                "paragraphs": [p.strip() for p in self.issue.intro.split("\n\n") if p.strip()],
                "first_name": self._name_marker if named else "",
                "unsubscribe": {"page": self._link_marker},
                "site_url": self.site_url,
                "site_name": _site_name(),
                **self.cards,
            }
            self._rendered[named] = (
                render_to_string("newsletter/email/issue.txt", context),
                render_to_string("newsletter/email/issue.html", context),
            )
        return self._rendered[named]

    def render(self, *, user: User) -> tuple[str, str]:
        """The text and HTML parts for one recipient."""
        return self._parts(first_name=user.first_name, link=self.links.for_user(user.pk)["page"])

    def _parts(self, *, first_name: str, link: str) -> tuple[str, str]:
        text, html = self._templates(named=bool(first_name))
        text = text.replace(self._name_marker, first_name)
        text = text.replace(self._link_marker, link)
        html = html.replace(self._name_marker, escape(first_name))
        html = html.replace(self._link_marker, escape(link))
        return text, html

    def message(
        self,
        *,
        user: User,
        to: str,
        subject: str | None = None,
        message_id: str | None = None,
        connection: Any = None,
    ) -> EmailMultiAlternatives:
        return self.message_for(
            user_id=user.pk,
            first_name=user.first_name,
            to=to,
            subject=subject,
            message_id=message_id,
            connection=connection,
        )

    def message_for(
        self,
        *,
        user_id: int,
        first_name: str,
        to: str,
        subject: str | None = None,
        message_id: str | None = None,
        connection: Any = None,
    ) -> EmailMultiAlternatives:
        urls = self.links.for_user(user_id)
        text, html = self._parts(first_name=first_name, link=urls["page"])
        return self._email(
            text=text,
            html=html,
            to=to,
            list_unsubscribe=f"<{urls['one_click']}>, <{urls['mailto']}>",
            subject=subject,
            message_id=message_id,
            connection=connection,
        )

    def _email(
        self,
        *,
        text: str,
        html: str,
        to: str,
        list_unsubscribe: str,
        subject: str | None = None,
        message_id: str | None = None,
        date: str | None = None,
        connection: Any = None,
    ) -> EmailMultiAlternatives:
        """The one place where a newsletter message is put together (template or copy)."""
        headers = {"Date": date} if date else {}  # where Django would put it
        headers |= {
            "List-Unsubscribe": list_unsubscribe,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"<newsletter.{self.host}>",
        }
        if message_id:
            headers["Message-ID"] = message_id
        message = EmailMultiAlternatives(
            subject=subject or self.issue.subject,
            body=text,
            to=[to],
            headers=headers,
            connection=connection,
        )
        message.attach_alternative(html, "text/html")
        return message

    def _mime_template(self, *, named: bool, ascii_name: bool) -> MessageTemplate | None:
        key = (named, ascii_name)
        if key not in self._mime:

            def make_email(**values: str) -> EmailMultiAlternatives:
                text, html = self._templates(named=named)
                text = text.replace(self._name_marker, values["first_name"])
                text = text.replace(self._link_marker, values["link"])
                html = html.replace(self._name_marker, values["first_name_html"])
                html = html.replace(self._link_marker, values["link_html"])
                return self._email(
                    text=text,
                    html=html,
                    to=values["to"],
                    list_unsubscribe=values["list_unsubscribe"],
                    message_id=values["message_id"],
                    date=values["date"],
                )

            self._mime[key] = MessageTemplate.build(make_email, ascii_name=ascii_name)
        return self._mime[key]

    def smtp_message(
        self, *, user_id: int, first_name: str, to: str, message_id: str
    ) -> tuple[list[str], bytes]:
        """Envelope recipients and the bytes Django's SMTP backend would send for this copy.

        From the batch's MIME template when `MessageTemplate.fill` accepts the values (nearly
        always); else built by the email package, exactly as `EmailBackend` does.
        """
        template = self._mime_template(named=bool(first_name), ascii_name=first_name.isascii())
        if template is not None:
            urls = self.links.for_user(user_id)
            data = template.fill(
                Recipient(
                    to=to,
                    message_id=message_id,
                    date=formatdate(localtime=settings.EMAIL_USE_LOCALTIME),
                    list_unsubscribe=(urls["one_click"], urls["mailto"]),
                    first_name=first_name,
                    first_name_html=escape(first_name),
                    link=urls["page"],
                    link_html=escape(urls["page"]),
                )
            )
            if data is not None:
                return [to], data
        message = self.message_for(
            user_id=user_id, first_name=first_name, to=to, message_id=message_id
        )
        encoding = message.encoding or settings.DEFAULT_CHARSET
        recipients = [sanitize_address(address, encoding) for address in message.recipients()]
        return recipients, message.message().as_bytes(linesep="\r\n")

    def message_id_for(self, delivery_id: int) -> str:
        return f"<newsletter.{self.issue.pk}.{delivery_id}@{self.host}>"


def _site_name() -> str:
    return getattr(settings, "SITE_NAME", "")
