from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from api import docs, views

app_name = "api"

urlpatterns = [
    path("videos/", views.VideoList.as_view(), name="video-list"),
    path("videos/<slug:slug>/", views.VideoDetail.as_view(), name="video-detail"),
    path(
        "videos/<slug:slug>/renditions/<int:rendition_id>/download-url",
        views.RenditionDownloadUrl.as_view(),
        name="rendition-download-url",
    ),
    path(
        "videos/<slug:slug>/renditions/<int:rendition_id>/newsml.xml",
        views.RenditionNewsML.as_view(),
        name="rendition-newsml",
    ),
    path(
        "videos/<slug:slug>/renditions/<int:rendition_id>/vmh.json",
        views.RenditionVMH.as_view(),
        name="rendition-vmh",
    ),
    path("files/<str:token>", views.SignedFile.as_view(), name="file"),
    path("speeches/", views.SpeechList.as_view(), name="speech-list"),
    path("speeches/<slug:slug>/", views.SpeechDetail.as_view(), name="speech-detail"),
    path("categories/", views.CategoryList.as_view(), name="category-list"),
    path("events/", views.EventList.as_view(), name="event-list"),
    path("tags/", views.TagList.as_view(), name="tag-list"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.documentation, name="docs"),
    re_path(r"^.*$", views.NoSuchEndpoint.as_view(), name="no-such-endpoint"),
]
