from django.urls import path

from lightboxes import feeds, views

app_name = "lightboxes"

urlpatterns = [
    path("", views.collection_list, name="list"),
    path("add/", views.add, name="add"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/rename/", views.rename, name="rename"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/reorder/", views.reorder, name="reorder"),
    path("<int:pk>/items/<int:item_id>/move/", views.move, name="move"),
    path("<int:pk>/items/<int:item_id>/note/", views.note, name="note"),
    path("<int:pk>/items/<int:item_id>/remove/", views.remove, name="remove"),
    path("<int:pk>/share/", views.share, name="share"),
    path("<int:pk>/unshare/", views.unshare, name="unshare"),
    path("<int:pk>/feed/", views.feed_issue, name="feed_issue"),
    path("<int:pk>/feed/revoke/", views.feed_revoke, name="feed_revoke"),
    path("<int:pk>/download/", views.download, name="download"),
    path("shared/<str:token>/", views.shared, name="shared"),
    path("shared/<str:token>/download/", views.shared_download, name="shared_download"),
    path("zip/<str:token>/", views.archive_file, name="archive"),
    path("feeds/<str:token>.atom", feeds.CollectionFeed(), name="feed"),
]
