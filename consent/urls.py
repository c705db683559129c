"""
The private consent endpoints. Included before the articles' ``<section_slug>/`` catch-all; the
cookie policy page is routed by the project, which decides what the page cache keeps.
"""

from django.urls import path

from consent import views

urlpatterns = [
    path("consent/", views.choose, name="consent"),
    path("consent/state.css", views.state_css, name="consent_state_css"),
    path("consent/scripts.js", views.scripts_js, name="consent_scripts"),
]
