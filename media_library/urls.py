from django.urls import path

from media_library import views

app_name = "media_library"

urlpatterns = [
    path("", views.video_list, name="video_list"),
    path("download/<str:token>/", views.download_file, name="download_file"),
    path("<slug:slug>/", views.video_detail, name="video_detail"),
    path(
        "<slug:slug>/renditions/<int:rendition_id>/download/",
        views.download,
        name="download",
    ),
]
