from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from newsroom import consent

admin.site.site_header = "Newsroom"
admin.site.site_title = "Newsroom admin"
admin.site.index_title = "Desk"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("ckeditor5/", include("django_ckeditor_5.urls")),
    # Cookie consent: before the articles' <section_slug>/ catch-all (see newsroom/consent.py).
    path("consent/", consent.choose, name="consent"),
    path("consent/state.css", consent.state_css, name="consent_state_css"),
    path("consent/scripts.js", consent.scripts_js, name="consent_scripts"),
    path("cookie-policy/", consent.cookie_policy, name="cookie_policy"),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
