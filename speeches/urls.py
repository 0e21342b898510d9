from django.urls import path

from speeches import views

app_name = "speeches"

urlpatterns = [
    path("", views.speech_list, name="speech_list"),
]
