from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.generic import TemplateView

from articles import uploads
from articles.cachetags import LISTING, SITE
from articles.sitemaps import indexed_sitemaps, news_sitemaps, sitemap, sitemaps
from consent.views import cookie_policy
from pagecache import tagged

# The 500 page with the request's CSP nonce for its inline styles (ops/views.py).
handler500 = "ops.views.server_error"

admin.site.site_header = "Newsroom"
admin.site.site_title = "Newsroom admin"
admin.site.index_title = "Desk"

urlpatterns = [
    # NEWSROOM_ADMIN_URL ("admin/" by default); everything else finds it with reverse("admin:...").
    path(settings.NEWSROOM_ADMIN_URL, admin.site.urls),
    # Images uploaded inside the editor become Photos (articles/uploads.py). The package's own
    # upload view (django_ckeditor_5.urls) is deliberately not routed: it keeps any file as named.
    path("ckeditor5/upload/", uploads.editor_image_upload, name="photo_editor_upload"),
    # The load balancer's probes, /healthz and /readyz (answered by ops.middleware.ProbeMiddleware;
    # routed here so that they reverse and no section takes their addresses).
    path("", include("ops.urls")),
    # Cookie consent: before the articles' <section_slug>/ catch-all (see the consent app).
    path("", include("consent.urls")),
    path("cookie-policy/", tagged(cookie_policy, SITE, params=()), name="cookie_policy"),
    # Crawlers: where the sitemaps are, and the addresses they should leave alone.
    path(
        "robots.txt",
        tagged(TemplateView.as_view(template_name="robots.txt", content_type="text/plain"), SITE, params=()),
        name="robots_txt",
    ),
    # An index of the sitemaps, each in its own file and paged with ?p=N (articles/sitemaps.py).
    path(
        "sitemap.xml",
        tagged(sitemap_views.index, SITE, LISTING, params=()),
        {"sitemaps": indexed_sitemaps, "sitemap_url_name": "sitemap"},
        name="sitemap_index",
    ),
    # Google News: before the generic route, which would take its address with the wrong template.
    path(
        "sitemap-news.xml",
        tagged(sitemap_views.sitemap, SITE, LISTING, params=()),
        {"sitemaps": news_sitemaps, "section": "news", "template_name": "sitemap_news.xml"},
        name="sitemap_news",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap,
        {"sitemaps": sitemaps},
        name="sitemap",
    ),
    # Live stories' update endpoint and post addresses (live/), before the sections' catch-all.
    path("", include("live.urls")),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# `make bench` only: the bench app (installed only when NEWSROOM_BENCH=1) routes its bare view,
# before the sections' catch-all.
if apps.is_installed("bench"):
    urlpatterns.insert(0, path("", include("bench.urls")))
