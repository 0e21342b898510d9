import re

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from media_library.sitemaps import VideoSitemap
from portal import metrics, views
from speeches.sitemaps import SpeechSitemap

SITEMAPS = {"videos": VideoSitemap, "speeches": SpeechSitemap}

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

admin.site.site_header = settings.SITE_NAME
admin.site.site_title = settings.SITE_NAME
# The changelists need the width at 1280 px (their filters have their own column); every
# page leads back to the index through the breadcrumbs.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("terms/", TemplateView.as_view(template_name="pages/terms.html"), name="terms"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    # Without a CSRF token, for visitors and signed-in readers alike (docs/security.md). It
    # sets the browser's language cookie, nothing on the account or in the session, and
    # redirects only within the site: a forged switch is a nuisance undone by the same
    # switch, not a takeover. Checking signed-in readers alone would not stop it: their
    # session cookie is SameSite=Lax, so a cross-site POST arrives without it, as a
    # visitor's. Pages for visitors then carry no token at all and are served from the page
    # cache as they are, without a new CSRF secret and cookie per visitor (docs/caching.md).
    # On a speech, it leads to the speech's translation into the chosen language, if any.
    path("i18n/setlang/", csrf_exempt(views.switch_language), name="set_language"),
    path("accounts/", include("portal.account_urls")),
    path("accounts/", include("allauth.urls")),
    path("videos/", include("clips.urls")),
    path("videos/", include("media_library.urls")),
    path("quotes/", views.quote_search, name="quote_search"),
    path("speeches/", include("speeches.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("collections/", include("lightboxes.urls")),
    path("accounts/me/alerts/", include("alerts.urls")),
    path("api/v1/", include("api.urls")),
    # Before the admin's own URLs: its login is the site's (rate limits, lockout).
    path("admin/login/", views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]

if settings.MEDIA_STORAGE == "local":
    # Thumbnails and previews only; renditions live outside this folder and are served only
    # by the download view. In production nginx answers this prefix itself.
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.PUBLIC_MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            views.public_media,
            name="public_media",
        )
    ]
