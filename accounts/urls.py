from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("welcome/", views.welcome, name="welcome"),
    path("me/", views.my_account, name="my_account"),
    path("me/newsletter/", views.newsletter_preference, name="newsletter_preference"),
    path("me/delete/", views.delete_account, name="delete_account"),
]
