"""
The desk: the Django admin for the newsroom. Articles live in ``articles.admin.articles``,
Editor's Pick curation in ``articles.admin.picks``; the smaller models are registered here.
"""

from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html

from articles.admin.articles import ArticleAdmin  # noqa: F401 (registers itself)
from articles.admin.picks import CurationEventAdmin, EditorsPickAdmin  # noqa: F401 (register themselves)
from articles.models import Author, Photo, PhotoCredit, Section, WorkflowEvent


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "affiliation", "user"]
    list_select_related = ["user"]
    search_fields = ["name", "affiliation"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]


@admin.register(PhotoCredit)
class PhotoCreditAdmin(admin.ModelAdmin):
    list_display = ["name", "photo_count"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(photo_count=Count("photos"))

    @admin.display(description="Photos", ordering="photo_count")
    def photo_count(self, credit):
        return credit.photo_count


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "__str__", "credit", "width", "height", "created_at"]
    list_select_related = ["credit"]
    list_filter = ["credit"]
    search_fields = ["caption", "alt_text", "credit__name"]
    autocomplete_fields = ["credit"]
    date_hierarchy = "created_at"
    readonly_fields = ["width", "height", "uploaded_by", "created_at"]

    @admin.display(description="Photo")
    def thumbnail(self, photo):
        return format_html('<img src="{}" alt="" width="80" style="height:auto">', photo.image.url)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


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
