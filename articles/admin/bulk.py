"""
Workflow actions on the article list: submit, publish, publish update, unpublish, reschedule and
delete, for the rows selected.

Nothing here decides who may do what, or changes a story itself: each row goes through
``articles.workflow.take``, in its own transaction, with its own permission check and audit
event, exactly as the change form's buttons do. A refused row (``TransitionError``) is left as it
was, and the result page lists each row with what happened or why it was refused; the other rows
are not held back by it. Unpublish and reschedule ask for their comment (and the new times) once,
on a page of their own, before anything runs; delete asks to be confirmed there too.

The action menu offers an action only to a role that may take it at all (editors publish; anyone
who edits stories submits them), so a reporter is not shown buttons that can only refuse.
"""

import logging
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db import DatabaseError
from django.template.response import TemplateResponse
from django.urls import reverse

from articles import workflow
from articles.models import Article
from articles.permissions import is_editor

# Each row is a transaction with its own lock and audit event, run in the request: a hundred is a
# few seconds at most. A larger selection ("select all 100,000") is refused before anything runs.
MAX_ROWS = 100
DATABASE_FAILED = "Not done: the database did not answer, and nothing of this story changed. Try it again."

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowOutcome:
    """What happened to one selected story: done (and what it is now), or refused and why."""

    headline: str
    change_url: str  # "" once the story is gone
    done: bool
    message: str


class CommentForm(forms.Form):
    comment = forms.CharField(
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Kept with each story's workflow history, and sent to those notified.",
    )

    def __init__(self, *args, comment_label, comment_required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].label = comment_label
        self.fields["comment"].required = comment_required


class RescheduleForm(CommentForm):
    """New times for every selected story; the workflow checks them again for each one."""

    publish_at = forms.SplitDateTimeField(
        label="Embargo until",
        required=False,
        widget=AdminSplitDateTime,
        help_text="Site time zone. Scheduled stories only (a live story's embargo cannot change); "
        "leave empty to keep each one's.",
    )
    expire_at = forms.SplitDateTimeField(
        label="Take down at",
        required=False,
        widget=AdminSplitDateTime,
        help_text="Site time zone. Leave empty to keep each story's take-down time.",
    )
    clear_expire_at = forms.BooleanField(
        label="Remove the take-down time", required=False, help_text="The stories stay up."
    )
    field_order = ["publish_at", "expire_at", "clear_expire_at", "comment"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("expire_at") and cleaned.get("clear_expire_at"):
            raise forms.ValidationError("Give a take-down time or remove it, not both.")
        if not (cleaned.get("publish_at") or cleaned.get("expire_at") or cleaned.get("clear_expire_at")):
            raise forms.ValidationError("Give a new embargo or take-down time, or remove the take-down time.")
        return cleaned

    def times_for(self, article):
        """The (embargo, take-down) this form gives ``article``: a field left empty keeps its own."""
        data = self.cleaned_data
        publish_at = article.publish_at
        if article.status == Article.Status.SCHEDULED and data["publish_at"]:
            publish_at = data["publish_at"]
        expire_at = None if data["clear_expire_at"] else (data["expire_at"] or article.expire_at)
        return publish_at, expire_at


# --- running one transition per row ------------------------------------------------------------


def _selected_rows(modeladmin, request, queryset):
    """The selected stories (at most MAX_ROWS, else ``None`` with a message), in list order."""
    rows = list(queryset.prefetch_related(None)[: MAX_ROWS + 1])
    if len(rows) > MAX_ROWS:
        modeladmin.message_user(
            request,
            f"Select at most {MAX_ROWS} stories for a workflow action; more were selected. "
            "Nothing was changed.",
            messages.ERROR,
        )
        return None
    return rows


def _run(request, rows, take):
    """``take(article)`` for each row, each in its own transaction; the outcome of each."""
    outcomes = []
    for article in rows:
        headline = article.headline
        try:
            after, message = take(article)
        except workflow.TransitionError as error:
            url = reverse("admin:articles_article_change", args=[article.pk])
            outcomes.append(RowOutcome(headline, url, False, str(error)))
            continue
        except DatabaseError:
            # The row's transaction rolled back; the rows done before it stay done, and are listed.
            logger.exception(
                "Bulk %s: the database failed on article %s", request.POST.get("action"), article.pk
            )
            url = reverse("admin:articles_article_change", args=[article.pk])
            outcomes.append(RowOutcome(headline, url, False, DATABASE_FAILED))
            continue
        url = reverse("admin:articles_article_change", args=[after.pk]) if after.pk else ""
        outcomes.append(RowOutcome(headline, url, True, message))
    return outcomes


def _now_readers(article):
    return f"{article.get_status_display()}. Readers: {article.reader_state().label}."


def _result_page(modeladmin, request, title, outcomes):
    done = sum(outcome.done for outcome in outcomes)
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "title": title,
        "outcomes": outcomes,
        "done_count": done,
        "refused_count": len(outcomes) - done,
    }
    return TemplateResponse(request, "admin/articles/article/bulk_result.html", context)


def _run_at_once(modeladmin, request, queryset, *, title, take):
    """Run every selected row (nothing to ask first) and show what happened to each."""
    rows = _selected_rows(modeladmin, request, queryset)
    if rows is None:
        return None
    return _result_page(modeladmin, request, title, _run(request, rows, take))


def _ask_then_run(modeladmin, request, queryset, *, title, form, intro, take):
    """Ask for the form (comment, times) on a page of its own; once valid, run every row."""
    rows = _selected_rows(modeladmin, request, queryset)
    if rows is None:
        return None
    if form.is_bound and form.is_valid():
        return _result_page(modeladmin, request, title, _run(request, rows, lambda a: take(a, form)))
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts,
        "title": title,
        "intro": intro,
        "rows": rows,
        "form": form,
        "media": modeladmin.media + form.media,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/articles/article/bulk_form.html", context)


def _form_data(request):
    # The first post comes from the list (no "apply"): show the form unbound, without errors.
    return request.POST if "apply" in request.POST else None


class WorkflowBulkActions:
    """The article list's workflow actions, for ``ArticleAdmin``."""

    actions = [
        "submit_selected",
        "publish_selected",
        "publish_update_selected",
        "unpublish_selected",
        "reschedule_selected",
        "delete_through_workflow",
    ]

    def has_publish_permission(self, request):
        return is_editor(request.user)

    @admin.action(description="Submit selected stories for review", permissions=["change"])
    def submit_selected(self, request, queryset):
        def take(article):
            # A draft goes to review; a live story's pending edit is submitted as such.
            name = "submit" if article.status == Article.Status.DRAFT else "submit_update"
            after = workflow.take(name, article=article, user=request.user)
            return after, f"Submitted for review. {_now_readers(after)}"

        return _run_at_once(self, request, queryset, title="Submit for review", take=take)

    @admin.action(description="Publish selected stories", permissions=["publish"])
    def publish_selected(self, request, queryset):
        def take(article):
            # Publish now, or Schedule when the story's embargo is ahead, as the form's button does.
            after = workflow.publish(article=article, user=request.user)
            revision = after.live_revision.number if after.live_revision else "—"
            return after, f"Revision {revision} approved. {_now_readers(after)}"

        return _run_at_once(self, request, queryset, title="Publish", take=take)

    @admin.action(description="Publish update of selected stories", permissions=["publish"])
    def publish_update_selected(self, request, queryset):
        def take(article):
            after = workflow.publish_update(article=article, user=request.user)
            return after, f"Update published (revision {after.live_revision.number}). {_now_readers(after)}"

        return _run_at_once(self, request, queryset, title="Publish update", take=take)

    @admin.action(description="Unpublish selected stories…", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        transition = workflow.TRANSITIONS["unpublish"]

        def take(article, form):
            after = workflow.unpublish(
                article=article, user=request.user, comment=form.cleaned_data["comment"]
            )
            return after, f"Unpublished. {_now_readers(after)}"

        return _ask_then_run(
            self,
            request,
            queryset,
            title="Unpublish",
            intro="These stories come off the site now (their addresses answer “gone”), "
            "each with this comment in its history.",
            form=CommentForm(_form_data(request), comment_label=transition.comment_label),
            take=take,
        )

    @admin.action(description="Reschedule selected stories…", permissions=["publish"])
    def reschedule_selected(self, request, queryset):
        transition = workflow.TRANSITIONS["reschedule"]

        def take(article, form):
            publish_at, expire_at = form.times_for(article)
            after = workflow.reschedule(
                article=article,
                user=request.user,
                publish_at=publish_at,
                expire_at=expire_at,
                comment=form.cleaned_data["comment"],
            )
            return after, f"Rescheduled. {_now_readers(after)}"

        return _ask_then_run(
            self,
            request,
            queryset,
            title="Reschedule",
            intro="New times for each selected story. A live story keeps its embargo (readers have "
            "seen it); the workflow checks the times again for each story.",
            form=RescheduleForm(_form_data(request), comment_label=transition.comment_label),
            take=take,
        )

    @admin.action(description="Delete selected stories…", permissions=["delete"])
    def delete_through_workflow(self, request, queryset):
        # Django's "Delete selected" is off (ArticleAdmin.get_actions): this one deletes through
        # the workflow, so only a story readers never saw goes, and its audit trail stays.
        def take(article, form):
            gone = workflow.delete(article=article, user=request.user, comment=form.cleaned_data["comment"])
            return gone, "Deleted. Its revisions and workflow history are kept."

        return _ask_then_run(
            self,
            request,
            queryset,
            title="Delete",
            intro="Only a draft or a story in review that readers never saw can be deleted; any "
            "other is refused and stays as it is. Revisions and workflow history are kept.",
            form=CommentForm(_form_data(request), comment_label="Why (optional)", comment_required=False),
            take=take,
        )
