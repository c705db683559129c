"""
The desk: the Django admin for the newsroom. Articles live in ``articles.admin.articles``,
Editor's Pick curation in ``articles.admin.picks``; the smaller models are registered here.
"""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.html import format_html

from articles.admin.articles import ArticleAdmin  # noqa: F401 (registers itself)
from articles.admin.media import AudioAdmin, TopicAdmin  # noqa: F401 (register themselves)
from articles.admin.mixins import AuditTrailAdmin, HostileInputSafe, RefreshesReaderPages
from articles.admin.photos import PhotoAdmin, PhotoCreditAdmin  # noqa: F401 (register themselves)
from articles.admin.picks import CurationEventAdmin, EditorsPickAdmin  # noqa: F401 (register themselves)
from articles.models import Article, Author, Section, WorkflowEvent
from articles.workflow import TRANSITIONS


@admin.register(Section)
class SectionAdmin(HostileInputSafe, RefreshesReaderPages, admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Author)
class AuthorAdmin(HostileInputSafe, RefreshesReaderPages, admin.ModelAdmin):
    list_display = ["name", "affiliation", "user"]
    list_select_related = ["user"]
    search_fields = ["name", "affiliation"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]


class StoryStateFilter(admin.SimpleListFilter):
    title = "story"
    parameter_name = "story"

    def lookups(self, request, model_admin):
        return [("deleted", "Deleted stories")]

    def queryset(self, request, queryset):
        if self.value() == "deleted":
            return queryset.filter(story_exists=False)
        return queryset


class WorkflowActionFilter(admin.SimpleListFilter):
    """
    The events of one transition. The choices are the workflow's table of transitions: Django's
    own filter on ``action`` would read them with a DISTINCT over every event (151 ms at 207,000
    events, more as the trail grows).
    """

    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return [(name, transition.label) for name, transition in TRANSITIONS.items()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action=self.value())
        return queryset


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(AuditTrailAdmin, HostileInputSafe, admin.ModelAdmin):
    """
    The audit trail: readable by the desk, written only by the workflow. It outlives the stories
    it records: a deleted story's events are listed with its id and headline as they were.
    """

    list_display = ["created_at", "story", "action", "from_status", "to_status", "actor", "comment"]
    # Dates by Django's no-query links, as on the story list: date_hierarchy's MIN/MAX and
    # DISTINCT DATE_TRUNC read the whole trail, which grows with every transition.
    list_filter = [
        StoryStateFilter,
        WorkflowActionFilter,
        "to_status",
        ("created_at", admin.DateFieldListFilter),
    ]
    # No join on the article: that would drop the events of deleted stories.
    list_select_related = ["actor"]
    search_fields = ["headline", "comment"]

    def get_queryset(self, request):
        stories = Article.objects.filter(pk=OuterRef("article_id"))
        return super().get_queryset(request).annotate(story_exists=Exists(stories))

    @admin.display(description="Story")
    def story(self, event):
        if not event.story_exists:
            return f"Deleted story #{event.article_id}: {event.headline}"
        url = reverse("admin:articles_article_change", args=[event.article_id])
        return format_html('<a href="{}">{}</a>', url, event.headline or f"#{event.article_id}")
