from django.urls import path, re_path

from media_library import views

app_name = "media_library"

urlpatterns = [
    path("", views.video_list, name="video_list"),
    path("download/<str:token>/", views.download_file, name="download_file"),
    path("<slug:slug>/", views.video_detail, name="video_detail"),
    re_path(
        r"^(?P<slug>[-a-zA-Z0-9_]+)/(?P<kind>thumbnail|preview)/$",
        views.video_media,
        name="video_media",
    ),
    path(
        "<slug:slug>/renditions/<int:rendition_id>/download/",
        views.download,
        name="download",
    ),
]
