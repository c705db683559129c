"""
Autosave: a person's unsaved work on a story, kept as their working copy (``WorkingCopy``).

The change form (``static/admin/articles/autosave.js``) posts its fields every
``INTERVAL_SECONDS`` while they differ from what it last kept, and once more as a beacon on
``pagehide`` (a closed tab, a navigation away; not a save, which makes a revision instead). The
copy is one row per person and story, replaced each time: never a revision, so the history holds
only what someone chose to save (Wagtail's autosave filling the history is a known complaint).

Coming back, the form offers to restore the copy, with a word diff against the current revision
(``articles.revisions.compare``). Restoring fills the form with it, nothing saved yet, and with
the version the copy was opened at: the save then merges it field by field with what others saved
since (``ArticleAdminForm``'s three-way merge), as if the page had never closed. An explicit save
deletes the copy in the save's own transaction. Without JavaScript there is no autosave, and the
form works as before.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse, QueryDict
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from articles import revisions
from articles.admin.widgets import can_be_key
from articles.models import Article, WorkingCopy

INTERVAL_SECONDS = 10
# A long story is some 100 KB of HTML; anything far beyond is not a form of ours.
MAX_BYTES = 1024 * 1024
RESTORE_PARAMETER = "restore"

# The change form's fields a working copy keeps (the workflow's comment boxes and the merge
# choices are not part of the story), and the form field → revision content name of each.
TEXT_FIELDS = ["headline", "slug", "summary", "anchor_lead", "body", "revision_message"]
CONTENT_NAMES = {
    **{name: name for name in revisions.CONTENT_FIELDS},
    "author_list": "authors",
    "related_list": "related",
}
KEPT_FIELDS = [*CONTENT_NAMES, "revision_message"]
# The embargo and take-down times are each a date and a time input (AdminSplitDateTime).
SPLIT_FIELDS = set(revisions.SCHEDULE_FIELDS)


def _posted_names(name):
    return [f"{name}_0", f"{name}_1"] if name in SPLIT_FIELDS else [name]


def kept_data(post):
    """What of a posted change form a working copy keeps: ``{name: [values]}``, without NULs."""
    return {
        key: [value.replace("\x00", "") for value in post.getlist(key)]
        for name in KEPT_FIELDS
        for key in _posted_names(name)
        if key in post
    }


def _as_query_dict(data):
    query = QueryDict(mutable=True)
    for key, values in data.items():
        query.setlist(key, [str(value) for value in values])
    return query


class Reading:
    """
    A working copy read back through the change form's own fields (``form_class``): the values to
    put in the form, its content in revision form, and the fields that could not be read back.
    Text is restored as typed (the save checks it); a choice or a time that is no longer valid
    (a photo deleted since, a half-typed date) keeps the story's current value and is named.
    """

    def __init__(self, form_class, copy, current):
        data = _as_query_dict(copy.data)
        self.initial, self.not_restored = {}, []
        content = dict(current)
        for name in KEPT_FIELDS:
            field = form_class.base_fields.get(name)
            if field is None:  # read-only for this story now: the current value stands
                continue
            raw = field.widget.value_from_datadict(data, {}, name)
            if name in TEXT_FIELDS:
                value = raw or ""
            else:
                try:
                    value = field.clean(raw)
                except (ValidationError, ValueError, TypeError, OverflowError):
                    self.not_restored.append(field.label or name)
                    continue
                value = (
                    [item.pk for item in value] if isinstance(value, list) else getattr(value, "pk", value)
                )
            self.initial[name] = value
            if name in CONTENT_NAMES:
                content[CONTENT_NAMES[name]] = value
        self.content = revisions.as_stored(content)
        self.changes = revisions.compare(current, self.content)


def _restoring(form_class, reading, copy):
    """``form_class`` whose unbound form starts from the working copy instead of the latest revision."""

    class RestoredForm(form_class):
        def shown_content(self):
            return reading.content

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if not self.is_bound:
                # The version the copy was opened at: saving merges with anything saved since.
                self.initial["base_version"] = copy.base_version
                if "revision_message" in reading.initial:
                    self.initial["revision_message"] = reading.initial["revision_message"]

    return RestoredForm


class Autosave:
    """The working copy's endpoints and its place in the change form, for ``ArticleAdmin``."""

    def get_urls(self):
        def view(function, suffix, route):
            return path(route, self.admin_site.admin_view(function), name=f"articles_article_{suffix}")

        return [
            view(self.autosave_view, "autosave", "<path:object_id>/autosave/"),
            view(self.autosave_discard_view, "autosave_discard", "<path:object_id>/autosave/discard/"),
            *super().get_urls(),
        ]

    def _editable_article(self, request, object_id, *fields):
        key_field = Article._meta.pk
        if not can_be_key(key_field, object_id):
            raise Http404("No such story.")
        article = Article.objects.filter(pk=key_field.to_python(object_id)).only(*fields).first()
        if article is None:
            raise Http404("No such story.")
        # The change form's own rule: a reporter keeps no copy of a story they cannot edit.
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        return article

    @method_decorator(require_POST)
    def autosave_view(self, request, object_id):
        """
        Keep the posted change form as this person's working copy of the story: JSON with the
        time it was kept, or an error the page shows (400, 403, 404, 413).
        """
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BYTES:
            return JsonResponse({"error": "Too much to keep as a working copy."}, status=413)
        article = self._editable_article(
            request, object_id, "pk", "version", "status", "created_by", "written_at", "headline"
        )
        base_version = request.POST.get("base_version", "")
        if not base_version.isdigit() or not 0 < int(base_version) <= article.version:
            return JsonResponse(
                {"error": "The form lost track of the story's version: reload it."}, status=400
            )
        now = timezone.now()
        WorkingCopy.objects.update_or_create(
            article=article,
            user=request.user,
            defaults={"data": kept_data(request.POST), "base_version": int(base_version), "saved_at": now},
        )
        return JsonResponse({"saved_at": date_format(timezone.localtime(now), "H:i:s")})

    def autosave_discard_view(self, request, object_id):
        """Ask, then delete this person's working copy of the story (GET: the question, POST: do it)."""
        article = self._editable_article(request, object_id, "pk", "headline", "status", "created_by")
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        copy = WorkingCopy.objects.filter(article=article, user=request.user).first()
        if copy is None:
            return HttpResponseRedirect(change_url)
        if request.method == "POST":
            copy.delete()
            self.message_user(request, "Your unsaved work was discarded.", messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": f"Discard your unsaved work on “{article}”?",
            "copy": copy,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/articles/article/autosave_discard.html", context)

    # --- in the change form ------------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id and request.method == "GET":
            extra_context = {**(extra_context or {}), **self._autosave_context(request, object_id)}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _autosave_context(self, request, object_id):
        if not can_be_key(Article._meta.pk, object_id):
            return {}
        context = {
            "autosave_url": reverse("admin:articles_article_autosave", args=[object_id]),
            "autosave_seconds": INTERVAL_SECONDS,
        }
        copy = WorkingCopy.objects.filter(article_id=object_id, user=request.user).first()
        if copy is None:
            return context
        article = Article.objects.select_related("latest_revision__created_by").filter(pk=object_id).first()
        if article is None or not self.has_change_permission(request, article):
            return context
        reading = Reading(self.get_form(request, article, change=True), copy, revisions.content_of(article))
        if not reading.changes:
            copy.delete()  # nothing in it that is not saved already
            return context
        restoring = request.GET.get(RESTORE_PARAMETER) == "1"
        if restoring:
            # get_form reads it: the form starts from the copy.
            request.working_copy_reading = (reading, copy)
        return {
            **context,
            "working_copy": copy,
            "working_copy_changes": reading.changes,
            "working_copy_not_restored": reading.not_restored,
            "working_copy_restored": restoring,
            # Saved by someone since the copy's form was opened: restoring merges with it.
            "working_copy_saved_since": article.latest_revision
            if copy.base_version < article.version
            else None,
            "working_copy_restore_url": f"{request.path}?{RESTORE_PARAMETER}=1",
            "working_copy_discard_url": reverse("admin:articles_article_autosave_discard", args=[article.pk]),
        }

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        restoring = getattr(request, "working_copy_reading", None)
        if restoring is None or obj is None or request.method != "GET":
            return form_class
        return _restoring(form_class, *restoring)

    def log_change(self, request, obj, message):
        # Called once a change form's save went through (ArticleAdmin.save_model made the
        # revision), inside the admin's transaction for that save: a save that fails keeps the copy.
        WorkingCopy.objects.filter(article_id=obj.pk, user=request.user).delete()
        return super().log_change(request, obj, message)
