from django.urls import path, re_path

from speeches import feeds, views

app_name = "speeches"

urlpatterns = [
    path("", views.speech_list, name="speech_list"),
    path("feed/rss/", feeds.LatestSpeechesFeed(), name="feed_rss"),
    path("feed/atom/", feeds.LatestSpeechesAtomFeed(), name="feed_atom"),
    path("<slug:slug>/", views.speech_detail, name="speech_detail"),
    re_path(
        r"^(?P<slug>[-a-zA-Z0-9_]+)/transcript\.(?P<file_format>txt|pdf)$",
        views.speech_transcript,
        name="speech_transcript",
    ),
]
