"""The `accounts:` URLs: the accounts app's own page and the site's pages for a signed-in
reader (portal.account_pages), under one namespace."""

from django.urls import path

from accounts import views as account_views
from portal import account_pages

app_name = "accounts"

urlpatterns = [
    path("welcome/", account_pages.welcome, name="welcome"),
    path("me/", account_pages.my_account, name="my_account"),
    path("me/newsletter/", account_pages.newsletter_preference, name="newsletter_preference"),
    path("me/api-tokens/", account_pages.api_tokens, name="api_tokens"),
    path(
        "me/api-tokens/<int:token_id>/revoke/",
        account_pages.revoke_api_token,
        name="revoke_api_token",
    ),
    path("me/delete/", account_views.delete_account, name="delete_account"),
]
