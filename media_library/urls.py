from django.urls import path, re_path

from media_library import feeds, views

app_name = "media_library"

urlpatterns = [
    path("", views.video_list, name="video_list"),
    path("feed/rss/", feeds.VideosFeed(), name="feed_rss"),
    path("feed/atom/", feeds.VideosAtomFeed(), name="feed_atom"),
    path("download/<str:token>/", views.download_file, name="download_file"),
    path("<slug:slug>/", views.video_detail, name="video_detail"),
    re_path(
        r"^(?P<slug>[-a-zA-Z0-9_]+)/(?P<kind>thumbnail|preview)/$",
        views.video_media,
        name="video_media",
    ),
    path("<slug:slug>/embed/", views.video_embed, name="video_embed"),
    re_path(r"^(?P<slug>[-a-zA-Z0-9_]+)/still\.jpg$", views.video_still, name="video_still"),
    re_path(
        r"^(?P<slug>[-a-zA-Z0-9_]+)/captions/(?P<language>[a-z]{2,3}(?:-[a-z0-9]{2,8})?)"
        r"\.(?P<file_format>vtt|srt)$",
        views.video_captions,
        name="video_captions",
    ),
    path(
        "<slug:slug>/renditions/<int:rendition_id>/newsml.xml",
        views.rendition_metadata,
        {"kind": "newsml"},
        name="rendition_newsml",
    ),
    path(
        "<slug:slug>/renditions/<int:rendition_id>/vmh.json",
        views.rendition_metadata,
        {"kind": "vmh"},
        name="rendition_vmh",
    ),
    path(
        "<slug:slug>/renditions/<int:rendition_id>/download/",
        views.download,
        name="download",
    ),
]
