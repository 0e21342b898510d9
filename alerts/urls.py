from django.urls import path

from alerts import feeds, views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("new/", views.new_alert, name="new"),
    path("<int:search_id>/", views.edit_alert, name="edit"),
    path("<int:search_id>/delete/", views.delete_alert, name="delete"),
    path("<int:search_id>/feed/renew/", views.renew_feed, name="renew_feed"),
    path("<int:search_id>/feed/revoke/", views.revoke_feed, name="revoke_feed"),
    path("feed/<str:token>/", feeds.SavedSearchFeed(), name="feed"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("unsubscribe/<str:token>/one-click/", views.one_click_unsubscribe, name="one_click"),
]
