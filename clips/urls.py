from django.urls import path

from clips import views

app_name = "clips"

# Included under videos/ (portal/urls.py), before the media library's own URLs.
urlpatterns = [
    path("clips/download/<str:token>/", views.clip_file, name="clip_file"),
    path("<slug:slug>/clip/", views.clip_form, name="clip_form"),
    path("<slug:slug>/clip/<int:clip_id>/", views.clip_status, name="clip_status"),
    path("<slug:slug>/clip/<int:clip_id>/download/", views.clip_download, name="clip_download"),
    path(
        "<slug:slug>/clip/<int:clip_id>/newsml.xml",
        views.clip_metadata,
        {"kind": "newsml"},
        name="clip_newsml",
    ),
    path(
        "<slug:slug>/clip/<int:clip_id>/vmh.json",
        views.clip_metadata,
        {"kind": "vmh"},
        name="clip_vmh",
    ),
]
