"""
The desk: the Django admin for the newsroom. Articles live in ``articles.admin.articles``,
Editor's Pick curation in ``articles.admin.picks``; the smaller models are registered here.
"""

from django.contrib import admin

from articles.admin.articles import ArticleAdmin  # noqa: F401 (registers itself)
from articles.admin.mixins import RefreshesReaderPages
from articles.admin.photos import PhotoAdmin, PhotoCreditAdmin  # noqa: F401 (register themselves)
from articles.admin.picks import CurationEventAdmin, EditorsPickAdmin  # noqa: F401 (register themselves)
from articles.models import Author, Section, WorkflowEvent


@admin.register(Section)
class SectionAdmin(RefreshesReaderPages, admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Author)
class AuthorAdmin(RefreshesReaderPages, admin.ModelAdmin):
    list_display = ["name", "affiliation", "user"]
    list_select_related = ["user"]
    search_fields = ["name", "affiliation"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(admin.ModelAdmin):
    """The audit trail: readable by the desk, written only by the workflow."""

    list_display = ["created_at", "article", "from_status", "to_status", "actor", "comment"]
    list_filter = ["to_status"]
    list_select_related = ["article", "actor"]
    search_fields = ["article__headline", "comment"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
