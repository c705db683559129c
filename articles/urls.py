from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("authors/<slug:author_slug>/", views.author_detail, name="author"),
    path("<slug:section_slug>/", views.section_detail, name="section"),
    path(
        "<slug:section_slug>/<int:year>/<str:month>/<str:day>/<slug:slug>/",
        views.article_detail,
        name="article",
    ),
]
