"""
The probes' addresses. ``ops.middleware.ProbeMiddleware`` answers them before the rest of the stack;
routed here as well, before the sections' catch-all, so that they reverse and no section takes them.
"""

from django.urls import path

from ops import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
