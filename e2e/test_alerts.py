"""A French journalist saves a catalogue search as an alert, receives its email in French when
an editor publishes a matching video, and stops the alert from that email (issue 18)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture reports the missing service
    expect = None

from e2e.conftest import PASSWORD, axe_violations, screenshot
from e2e.flows import log_in

pytestmark = pytest.mark.integration

# The French typographic apostrophe, as the catalogue writes it.
APOSTROPHE = "\u2019"
ALERT_ME = f"M{APOSTROPHE}alerter pour cette recherche"
NEW_ALERT = f"M{APOSTROPHE}alerter des nouvelles vidéos"
SAVE_ALERT = f"Enregistrer l{APOSTROPHE}alerte"
STOPPED = f"L{APOSTROPHE}alerte est arrêtée"


def test_an_alert_created_in_french_is_received_in_french(
    new_context, live_server, catalogue, mailoutbox, settings
):
    from accounts.tests.factories import UserFactory
    from alerts.models import SavedSearch
    from core import publishing
    from media_library.models import Video
    from media_library.tests.factories import VideoFactory

    settings.SITE_URL = live_server.url
    reader = UserFactory(email="journaliste@redaction.example")
    context = new_context()
    context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    page = context.new_page()

    page.goto(reverse("media_library:video_list") + "?q=inondation")
    page.get_by_role("link", name=ALERT_ME).click()
    log_in(page, email=reader.email, password=PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(NEW_ALERT)
    expect(page.locator("main")).to_contain_text("Votre recherche : “inondation”")
    assert axe_violations(page) == []
    page.get_by_label("Dès la publication des vidéos").check()
    page.get_by_role("button", name=SAVE_ALERT).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mes alertes")
    expect(page.get_by_role("status")).to_contain_text("Votre alerte est enregistrée")
    assert axe_violations(page) == []
    screenshot(page, "alerts-fr")
    [alert] = SavedSearch.objects.filter(user=reader)
    assert (alert.query, alert.email_language) == ("inondation", "fr")

    # An editor publishes a matching video; the alert's email is in French.
    video = VideoFactory(
        title="Inondation dans la vallée", slug="inondation-vallee", status=Video.Status.DRAFT
    )
    publishing.publish(item=video)
    [email] = [m for m in mailoutbox if m.to == [reader.email]]
    assert email.subject == "Une nouvelle vidéo pour votre alerte : “inondation”"
    assert "Bonjour," in email.body
    assert "Une nouvelle vidéo correspond à votre alerte « “inondation” » :" in email.body
    assert f"{live_server.url}/videos/inondation-vallee/" in email.body
    assert "Gérer vos alertes" in email.alternatives[0][0]
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The footer link stops this alert, after asking, in French.
    stop = re.search(r"Arrêter cette alerte : (\S+)", email.body).group(1)
    page.goto(stop.removeprefix(live_server.url))
    expect(page.get_by_role("heading", level=1)).to_have_text("Arrêter une alerte")
    page.get_by_role("button", name="Arrêter cette alerte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(STOPPED)
    alert.refresh_from_db()
    assert not alert.active
