"""The bench app's one route; newsroom/urls.py includes it, first, when the app is installed."""

from django.urls import path

from bench import views

urlpatterns = [
    path("bench/ok/", views.ok, name="bench_ok"),
]
