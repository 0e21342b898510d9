from django.urls import path

from speeches import feeds, views

app_name = "speeches"

urlpatterns = [
    path("", views.speech_list, name="speech_list"),
    path("feed/rss/", feeds.LatestSpeechesFeed(), name="feed_rss"),
    path("feed/atom/", feeds.LatestSpeechesAtomFeed(), name="feed_atom"),
    path("<slug:slug>/", views.speech_detail, name="speech_detail"),
]
