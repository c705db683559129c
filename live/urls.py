"""Live stories' reader addresses, under a prefix no section may take (``RESERVED_SECTION_SLUGS``)."""

from django.urls import path

from live import feeds, views

app_name = "live"

urlpatterns = [
    path("live-updates/<int:article_pk>/", views.updates, name="updates"),
    path("live-updates/<int:article_pk>/feed/", feeds.LivePostsFeed(), name="feed"),
    path("live-updates/posts/<int:pk>/", views.post_permalink, name="post"),
]
