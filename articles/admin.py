"""
The desk: the Django admin for the newsroom.

State never changes here directly. The article change form shows the transitions
``articles.workflow`` allows this user now; pressing one posts to ``transition_view``, which
calls the workflow and reports its refusal, if any, in plain words.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django_ckeditor_5.widgets import CKEditor5Widget

from articles import workflow
from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    EditorsPick,
    Photo,
    PhotoCredit,
    RelatedArticle,
    Section,
    WorkflowEvent,
)
from articles.permissions import can_edit_article


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
        return format_html(
            '<img src="{}" alt="" width="80" style="height:auto">', photo.image.url
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)


class BylineInline(admin.TabularInline):
    model = ArticleAuthor
    extra = 0
    min_num = 0
    autocomplete_fields = ["author"]
    verbose_name = "byline"
    verbose_name_plural = "bylines (the first author signs off first)"


class RelatedArticleInline(admin.TabularInline):
    model = RelatedArticle
    fk_name = "from_article"
    extra = 0
    autocomplete_fields = ["to_article"]
    verbose_name = "related story"
    verbose_name_plural = "Related News (shown before stories filled in from the section)"


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = "__all__"
        widgets = {"body": CKEditor5Widget(config_name="default")}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    list_display = ["headline", "section", "status", "byline", "written_at", "updated_at", "modified_at"]
    list_filter = ["status", "section", "authors"]
    list_select_related = ["section"]
    search_fields = ["headline", "summary", "slug"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["lead_photo", "section"]
    inlines = [BylineInline, RelatedArticleInline]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "section", "summary"]}),
        ("Story", {"fields": ["anchor_lead", "body", "lead_photo"]}),
        (
            "Workflow",
            {"fields": ["status", "written_at", "updated_at", "version", "created_by", "modified_at"]},
        ),
    ]
    readonly_fields = ["status", "written_at", "updated_at", "version", "created_by", "modified_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("authors")

    @admin.display(description="Byline")
    def byline(self, article):
        return ", ".join(author.name for author in article.authors.all())

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # The public address must not move once readers may have it.
        if obj is not None and obj.has_been_published:
            readonly.append("slug")
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and obj.has_been_published:
            return {}
        return {"slug": ["headline"]}

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return can_edit_article(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        # A story readers have seen is unpublished, never deleted: its audit trail stays.
        return obj is None or not obj.has_been_published

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Autocomplete for an Editor's Pick offers only stories readers can see.
        if request.GET.get("model_name") == "editorspick":
            queryset = queryset.published()
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        else:
            obj.version += 1
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A reporter's new story carries their byline unless they chose others.
        author = getattr(request.user, "author", None)
        if not change and author is not None and not form.instance.bylines.exists():
            ArticleAuthor.objects.create(article=form.instance, author=author)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if object_id:
            article = self.get_object(request, object_id)
            if article is not None:
                extra_context["transitions"] = workflow.available_transitions(
                    article=article, user=request.user
                )
                extra_context["workflow_events"] = article.events.select_related("actor")
                extra_context["transition_url"] = reverse(
                    "admin:articles_article_transition", args=[article.pk]
                )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="articles_article_transition",
            ),
            *super().get_urls(),
        ]

    def transition_view(self, request, object_id):
        """Take the workflow transition named in the POST, then return to the change form."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        name = request.POST.get("transition", "")
        try:
            article = workflow.apply_transition(
                article=article,
                user=request.user,
                name=name,
                comment=request.POST.get("comment", ""),
                minor=request.POST.get("minor") == "on",
            )
        except workflow.TransitionError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request, f"“{article}” is now {article.get_status_display()}.", messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[object_id]))


class EditorsPickAdminForm(forms.ModelForm):
    class Meta:
        model = EditorsPick
        fields = ["article", "section", "position", "starts_at", "ends_at"]


@admin.register(EditorsPick)
class EditorsPickAdmin(admin.ModelAdmin):
    form = EditorsPickAdminForm
    list_display = ["article", "section", "position", "starts_at", "ends_at"]
    list_editable = ["position"]
    list_filter = ["section"]
    list_select_related = ["article", "section"]
    autocomplete_fields = ["article"]
    search_fields = ["article__headline"]


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

