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
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from articles import presence, preview, revisions, search, topics, workflow
from articles.admin.article_form import ArticleAdminForm, RescheduleForm
from articles.admin.autosave import Autosave
from articles.admin.bulk import WorkflowBulkActions
from articles.admin.mixins import HostileInputSafe
from articles.admin.queues import QueueFilter
from articles.models import Article
from articles.permissions import can_edit_article
from articles.templatetags.photos import with_photo_credits

# The workflow panel beside Save shows this many of the story's latest workflow events; the
# Revisions page has them all.
RECENT_EVENTS = 5
# In the read-only view, form fields that hold ids or HTML are shown as readers see them.
READ_ONLY_DISPLAY = {"author_list": "bylines", "related_list": "related_news", "body": "body_as_read"}


@admin.register(Article)
class ArticleAdmin(WorkflowBulkActions, Autosave, HostileInputSafe, admin.ModelAdmin):
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
    # Dates by Django's "Any date / Today / Past 7 days / This month / This year" links, which
    # cost no query: date_hierarchy's MIN/MAX and DISTINCT DATE_TRUNC read every story a queue
    # or a search keeps (most of those pages' time at 100,000 stories).
    list_filter = [QueueFilter, "status", "section", "authors", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["section"]
    # The search box and autocomplete need search_fields; get_search_results does the searching.
    search_fields = ["headline", "summary", "slug"]
    # At 100,000 stories a second COUNT(*) per list page is pure cost ("x of y" is not needed).
    show_full_result_count = False
    autocomplete_fields = ["lead_photo", "section", "audio", "topics"]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "section", "topics", "author_list", "summary"]}),
        ("Story", {"fields": ["anchor_lead", "body", "lead_photo", "audio", "related_list"]}),
        ("Embargo", {"fields": ["publish_at", "expire_at"]}),
        ("This save", {"fields": ["revision_message", "base_version"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("bylines__author").with_reader_visibility()

    @admin.display(description="Byline")
    def byline(self, article):
        return ", ".join(author.name for author in article.byline_authors)

    @admin.display(description="Status", ordering="status")
    def status_label(self, article):
        """The workflow stage and, for an approved story, what readers get ("Live", "Scheduled…")."""
        label = article.get_status_display()
        if article.status in Article.Status.approved():
            label = f"{label}: {article.reader_state().label}"
        if article.has_unpublished_changes:
            return format_html("{} <small>(unpublished changes)</small>", label)
        return label

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # Read only (a reporter on a story that is not theirs to edit): what readers see, no
        # "This save" box, bylines and Related News by name, the body rendered.
        return [
            (title, {**options, "fields": [READ_ONLY_DISPLAY.get(name, name) for name in options["fields"]]})
            for title, options in fieldsets
            if "revision_message" not in options["fields"]
        ]

    @admin.display(description="Authors")
    def bylines(self, article):
        return ", ".join(author.name for author in article.byline_authors) or "No byline"

    @admin.display(description="Related News")
    def related_news(self, article):
        chosen = [link.to_article for link in article.related_links.select_related("to_article")]
        if not chosen:
            return "None chosen: filled in from the section's earlier stories."
        return format_html(
            '<ol class="related-news">{}</ol>',
            format_html_join("", '<li><a href="{}">{}</a></li>', ((self._change_url(a), a) for a in chosen)),
        )

    @admin.display(description="Report")
    def body_as_read(self, article):
        # The cleaned HTML the reader page shows (articles/html.py cleaned it when it was saved).
        return format_html('<div class="story-body">{}</div>', with_photo_credits(article.body))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # The public address must not move once readers may have it.
        if obj is not None and obj.has_been_published:
            readonly.append("slug")
        # An approved story's times change only through the workflow's Reschedule.
        if obj is not None and obj.status in Article.Status.approved():
            readonly += revisions.SCHEDULE_FIELDS
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
        if obj is None:
            return super().has_delete_permission(request)
        # The workflow decides (editors, stories readers never saw), so Delete shows only
        # where deleting will succeed.
        return workflow.can_take("delete", article=obj, user=request.user)

    def delete_model(self, request, obj):
        workflow.delete(article=obj, user=request.user)

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        # Django's "Delete selected" would bypass the workflow's rule and its audit event.
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    def get_search_results(self, request, queryset, search_term):
        """
        The stories whose words match (the full-text index of ``articles.search``: headline,
        summary, anchor's lead, body and bylines, the reader search's syntax), and the story
        whose slug or id is the term. Django's ``search_fields`` would scan every story with
        ``UPPER(column) LIKE '%word%'`` three times a page (0.6–1 s at 100,000 stories); the
        index is a GIN on PostgreSQL and FTS5 on SQLite, and holds drafts too, which the desk sees.
        """
        query = search.parse(search_term)
        if query:
            term = search_term.strip()
            exact = Q(slug=term)
            if term.isdigit() and len(term) < 19:  # an id fits a bigint
                exact |= Q(pk=int(term))
            # The story the term names is looked up first (a unique index), and joins the
            # filter only when there is one: "matches OR slug = term" keeps PostgreSQL from
            # walking the desk's order (article_desk_newest) and stopping after a page, and a
            # common word then had every match read, hashed and sorted (0.5 s at 100,000).
            named = list(Article.objects.filter(exact).values_list("pk", flat=True))
            wanted = Q(search.backend().matches(query))
            if named:
                wanted |= Q(pk__in=named)
            queryset = queryset.filter(wanted)
        may_have_duplicates = False
        # Autocomplete for an Editor's Pick or a breaking-news banner offers only stories readers can see.
        if request.GET.get("model_name") in ("editorspick", "banner"):
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
        revision = revisions.save_edit(
            article=obj,
            content=content,
            user=request.user,
            base_version=form.cleaned_data["base_version"],
            message=message,
        )
        obj.refresh_from_db()
        if form.merge_note:
            # A stale form was merged with others' saves: say what of theirs was kept.
            self.message_user(request, form.merge_note, messages.INFO)
        if obj.has_unpublished_changes:
            self.message_user(
                request,
                f"Saved as revision {revision.number}. Readers still see the published version "
                "until an editor publishes this one.",
                messages.INFO,
            )

    def save_related(self, request, form, formsets, change):
        # Bylines and Related News are part of the revision content, saved in save_model. Topics
        # are the desk's filing, not the story's text: kept on the story itself, as picks are.
        if "topics" in form.cleaned_data:
            topics.article_set_topics(article=form.instance, topics=form.cleaned_data["topics"])

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
        transitions = workflow.available_transitions(article=article, user=request.user)
        # Reschedule has a page of its own, and Delete is the admin's own link.
        buttons = [t for t in transitions if t.name not in {"reschedule", "delete"}]
        may_reschedule = any(t.name == "reschedule" for t in transitions)
        events = article.events.select_related("actor", "revision").order_by("-created_at", "-pk")
        return {
            "transitions": transitions,
            "button_transitions": buttons,
            # In the panel, buttons that need no comment share one optional comment box; each
            # transition that needs one (a return, an unpublish...) has its own box and form.
            "plain_transitions": [t for t in buttons if not t.comment_required],
            "commented_transitions": [t for t in buttons if t.comment_required],
            "offers_correction_note": any(t.name == "publish_update" for t in buttons),
            "reader_state": article.reader_state(),
            "reschedule_url": reverse("admin:articles_article_reschedule", args=[article.pk])
            if may_reschedule
            else "",
            "recent_events": events[:RECENT_EVENTS],
            "transition_url": reverse("admin:articles_article_transition", args=[article.pk]),
            "revisions_url": reverse("admin:articles_article_revisions", args=[article.pk]),
            "presence_url": reverse("admin:articles_article_presence", args=[article.pk]),
            "presence_leave_url": reverse("admin:articles_article_presence_leave", args=[article.pk]),
            "presence_heartbeat_seconds": presence.HEARTBEAT_SECONDS,
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
            view(self.reschedule_view, "reschedule", "<path:object_id>/reschedule/"),
            view(self.presence_view, "presence", "<path:object_id>/presence/"),
            view(self.presence_leave_view, "presence_leave", "<path:object_id>/presence/leave/"),
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

    @method_decorator(require_POST)
    def transition_view(self, request, object_id):
        """Take the workflow transition named in the POST, then return to the change form."""
        article = self._article_for(request, object_id)
        name = request.POST.get("transition", "")
        if name == "reschedule":  # it needs the new times: its own form
            return HttpResponseRedirect(reverse("admin:articles_article_reschedule", args=[article.pk]))
        options = {"comment": request.POST.get("comment", "")}
        if name in {"publish", "schedule", "publish_update", "publish_correction"}:
            revision = request.POST.get("revision", "")
            options["revision"] = int(revision) if revision.isdigit() else None
        if name in {"publish_update", "publish_correction"}:
            options["correction"] = request.POST.get("correction", "")
        try:
            article = workflow.take(name, article=article, user=request.user, **options)
        except workflow.TransitionError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            if article.pk is None:
                self.message_user(request, f"“{article}” was deleted.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:articles_article_changelist"))
            self.message_user(
                request, f"“{article}” is now {article.get_status_display()}.", messages.SUCCESS
            )
        return HttpResponseRedirect(self._change_url(article))

    def reschedule_view(self, request, object_id):
        """New embargo and take-down times for an approved story, with the reason (editors)."""
        article = self._article_for(request, object_id)
        if not workflow.can_take("reschedule", article=article, user=request.user):
            self.message_user(
                request,
                f"“{article}” cannot be rescheduled by you now: {article.reader_state().label}.",
                messages.ERROR,
            )
            return HttpResponseRedirect(self._change_url(article))
        form = RescheduleForm(request.POST or None, article=article)
        if request.method == "POST" and form.is_valid():
            try:
                workflow.reschedule(article=article, user=request.user, **form.cleaned_data)
            except workflow.TransitionError as error:
                form.add_error(error.field, str(error))
            else:
                state = Article.objects.get(pk=article.pk).reader_state()
                self.message_user(request, f"“{article}” rescheduled: {state.label}.")
                return HttpResponseRedirect(self._change_url(article))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": f"Reschedule “{article}”",
            "form": form,
            "media": self.media + form.media,
            "reader_state": article.reader_state(),
        }
        return TemplateResponse(request, "admin/articles/article/reschedule.html", context)

    @method_decorator(require_POST)
    def presence_view(self, request, object_id):
        """Heartbeat from an open change form: who else is on this story now (JSON)."""
        article = self._article_for(request, object_id)
        presence.mark_editing(article=article, user=request.user)
        others = presence.others_editing(article=article, user=request.user)
        return JsonResponse({"others": [str(p.user) for p in others]})

    @method_decorator(require_POST)
    def presence_leave_view(self, request, object_id):
        """The beacon a change form sends on ``pagehide``: this user left this story (204)."""
        presence.leave(article=self._article_for(request, object_id), user=request.user)
        return HttpResponse(status=204)

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

    @method_decorator(require_POST)
    def restore_view(self, request, object_id, number):
        """Save an old revision's content as a new revision (a draft revision for live stories)."""
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
