from __future__ import annotations

from django.urls import path

from newsletter import views

app_name = "newsletter"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path(
        "unsubscribe/<str:token>/one-click/",
        views.one_click_unsubscribe,
        name="one_click",
    ),
]
