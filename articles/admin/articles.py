"""
The article desk.

State never changes here directly. The change form shows the transitions ``articles.workflow``
allows this user now; pressing one posts to ``transition_view``, which calls the workflow and
reports a refusal in plain words. Content is saved through ``articles.revisions.save_edit``, so
every save is a revision, a live story's edit waits for an editor, and a stale save is refused.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from articles import cachetags, presence, preview, revisions, workflow
from articles.admin.article_form import ArticleAdminForm
from articles.admin.queues import QueueFilter
from articles.models import Article
from articles.permissions import can_edit_article

WORKFLOW_FIELDS = ["status", "written_at", "updated_at", "version", "created_by", "modified_at"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    list_display = [
        "headline",
        "section",
        "status_label",
        "byline",
        "written_at",
        "updated_at",
        "modified_at",
    ]
    list_filter = [QueueFilter, "status", "section", "authors"]
    list_select_related = ["section"]
    search_fields = ["headline", "summary", "slug"]
    date_hierarchy = "created_at"
    # At 100,000 stories a second COUNT(*) per list page is pure cost ("x of y" is not needed).
    show_full_result_count = False
    autocomplete_fields = ["lead_photo", "section"]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "section", "author_list", "summary"]}),
        ("Story", {"fields": ["anchor_lead", "body", "lead_photo", "related_list"]}),
        ("Embargo", {"fields": ["publish_at", "expire_at"]}),
        ("This save", {"fields": ["revision_message", "base_version"]}),
        ("Workflow", {"fields": WORKFLOW_FIELDS, "classes": ["collapse"]}),
    ]
    readonly_fields = WORKFLOW_FIELDS

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("bylines__author")

    @admin.display(description="Byline")
    def byline(self, article):
        return ", ".join(author.name for author in article.byline_authors)

    @admin.display(description="Status", ordering="status")
    def status_label(self, article):
        if article.has_unpublished_changes:
            return format_html("{} <small>(unpublished changes)</small>", article.get_status_display())
        return article.get_status_display()

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

    # --- saving: every save is a revision ----------------------------------------------------

    def save_model(self, request, obj, form, change):
        content = form.content()
        message = form.cleaned_data.get("revision_message", "")
        if not change:
            obj.created_by = request.user
            obj.save()
            if not content["authors"] and getattr(request.user, "author", None):
                # A reporter's new story carries their byline unless they chose others.
                content["authors"] = [request.user.author.pk]
            revisions.apply_content(obj, content)
            revisions.create_revision(article=obj, content=content, user=request.user, message=message)
            return
        # Scheduling fields are not content: they change the row directly, and may change when
        # readers see the story.
        Article.objects.filter(pk=obj.pk).update(publish_at=obj.publish_at, expire_at=obj.expire_at)
        if {"publish_at", "expire_at"} & set(form.changed_data):
            cachetags.visibility_changed(article_pk=obj.pk, section_pks={obj.section_id})
        revision = revisions.save_edit(
            article=obj,
            content=content,
            user=request.user,
            base_version=form.cleaned_data["base_version"],
            message=message,
        )
        obj.refresh_from_db()
        if obj.has_unpublished_changes:
            self.message_user(
                request,
                f"Saved as revision {revision.number}. Readers still see the published version "
                "until an editor publishes this one.",
                messages.INFO,
            )

    def save_related(self, request, form, formsets, change):
        # Bylines and Related News are part of the revision content, saved in save_model.
        pass

    # --- the change form ---------------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if object_id:
            article = self.get_object(request, object_id)
            if article is not None:
                extra_context.update(self._workflow_context(request, article))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _workflow_context(self, request, article):
        if request.method == "GET":
            presence.mark_editing(article=article, user=request.user)
        return {
            "transitions": workflow.available_transitions(article=article, user=request.user),
            "workflow_events": article.events.select_related("actor", "revision"),
            "transition_url": reverse("admin:articles_article_transition", args=[article.pk]),
            "revisions_url": reverse("admin:articles_article_revisions", args=[article.pk]),
            "presence_url": reverse("admin:articles_article_presence", args=[article.pk]),
            "others_editing": presence.others_editing(article=article, user=request.user),
            "latest_revision": article.latest_revision,
            "live_revision": article.live_revision,
            "preview_url": reverse("articles:preview", args=[article.pk]),
            "share_url": self._share_url(request, article),
            "preview_hours": settings.NEWSROOM_PREVIEW_MAX_AGE // 3600,
        }

    def _share_url(self, request, article):
        if article.latest_revision is None:
            return ""
        token = preview.make_share_token(article=article, revision=article.latest_revision)
        return request.build_absolute_uri(reverse("articles:shared_preview", args=[token]))

    def get_urls(self):
        def view(function, suffix, route):
            return path(route, self.admin_site.admin_view(function), name=f"articles_article_{suffix}")

        return [
            view(self.transition_view, "transition", "<path:object_id>/transition/"),
            view(self.presence_view, "presence", "<path:object_id>/presence/"),
            view(self.revisions_view, "revisions", "<path:object_id>/revisions/"),
            view(self.compare_view, "compare", "<path:object_id>/revisions/compare/"),
            view(self.restore_view, "restore", "<path:object_id>/revisions/<int:number>/restore/"),
            *super().get_urls(),
        ]

    def _article_for(self, request, object_id):
        article = get_object_or_404(Article, pk=object_id)
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        return article

    def _change_url(self, article):
        return reverse("admin:articles_article_change", args=[article.pk])

    def transition_view(self, request, object_id):
        """Take the workflow transition named in the POST, then return to the change form."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_for(request, object_id)
        revision = request.POST.get("revision", "")
        try:
            article = workflow.apply_transition(
                article=article,
                user=request.user,
                name=request.POST.get("transition", ""),
                comment=request.POST.get("comment", ""),
                minor=request.POST.get("minor") == "on",
                correction=request.POST.get("correction", ""),
                revision=int(revision) if revision.isdigit() else None,
            )
        except workflow.TransitionError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request, f"“{article}” is now {article.get_status_display()}.", messages.SUCCESS
            )
        return HttpResponseRedirect(self._change_url(article))

    def presence_view(self, request, object_id):
        """Heartbeat from an open change form: who else is on this story now (JSON)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_for(request, object_id)
        presence.mark_editing(article=article, user=request.user)
        others = presence.others_editing(article=article, user=request.user)
        return JsonResponse({"others": [str(p.user) for p in others]})

    # --- revisions: history, compare, restore --------------------------------------------------

    def revisions_view(self, request, object_id):
        """The article's revisions and workflow events, newest first, with compare and restore."""
        article = self._article_for(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": f"History of “{article}”",
            "revisions": article.revisions.select_related("created_by").prefetch_related("events__actor"),
            "can_restore": self.has_change_permission(request, article),
        }
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def compare_view(self, request, object_id):
        """A word-level comparison of two revisions (``?a=<number>&b=<number>``)."""
        article = self._article_for(request, object_id)
        try:
            numbers = sorted({int(request.GET["a"]), int(request.GET["b"])})
        except (KeyError, ValueError):
            raise Http404("Choose two revisions to compare.") from None
        found = {
            r.number: r for r in article.revisions.filter(number__in=numbers).select_related("created_by")
        }
        if len(found) != len(numbers) or len(numbers) != 2:
            raise Http404("Choose two different revisions of this story.")
        old, new = found[numbers[0]], found[numbers[1]]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": f"Revision {old.number} → {new.number} of “{article}”",
            "old": old,
            "new": new,
            "changes": revisions.compare(old.content, new.content),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def restore_view(self, request, object_id, number):
        """Save an old revision's content as a new revision (a draft revision for live stories)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_for(request, object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        old = get_object_or_404(article.revisions, number=number)
        try:
            revision = revisions.restore(
                article=article, revision=old, user=request.user, base_version=article.version
            )
        except revisions.EditConflict as conflict:
            self.message_user(request, str(conflict), messages.ERROR)
        else:
            self.message_user(
                request, f"Revision {old.number} restored as revision {revision.number}.", messages.SUCCESS
            )
        return HttpResponseRedirect(self._change_url(article))
