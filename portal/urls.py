import re

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.generic import TemplateView

from portal import views
from speeches.sitemaps import SpeechSitemap

SITEMAPS = {"speeches": SpeechSitemap}

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

admin.site.site_header = settings.SITE_NAME
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
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
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("videos/", include("media_library.urls")),
    path("speeches/", include("speeches.urls")),
    path("newsletter/", include("newsletter.urls")),
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
