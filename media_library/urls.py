from django.urls import path

from media_library import views

app_name = "media_library"

urlpatterns = [
    path("", views.video_list, name="video_list"),
]
