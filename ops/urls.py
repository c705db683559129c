"""
The probes' addresses. ``ops.middleware.ProbeMiddleware`` answers them before the rest of the stack;
routed here as well, before the sections' catch-all, so that they reverse and no section takes them.
And where browsers report Content Security Policy violations (the policy names it: ``ops.csp``).
"""

from django.urls import path

from ops import csp, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path(csp.REPORT_PATH.strip("/") + "/", views.csp_report, name="csp_report"),
]
