"""
The Editor's Pick desk: one curation screen for the site-wide list and each section's list.

``/admin/articles/editorspick/`` is the curation screen (``?section=site`` or
``?section=<id>`` chooses the list). Every change is a plain POST to a small view that calls
``articles.curation``, reports a refusal in plain words and redirects back to the same list, so
the screen works without JavaScript; drag and drop is a progressive enhancement posting the
whole order to ``reorder/``. The stock change and delete forms are not offered: they would
change a list without keeping its order or its audit trail.

The curation audit trail (``CurationEvent``) is registered here too, read-only.
"""

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from articles import curation
from articles.admin.mixins import AuditTrailAdmin, HostileInputSafe
from articles.admin.widgets import AutocompleteSelect
from articles.models import Article, CurationEvent, EditorsPick, Section
from articles.permissions import is_curator

SITE_WIDE = "site"


def _time_field(label):
    return forms.DateTimeField(
        label=label,
        required=False,
        # Read and shown in the current (site) time zone; the field makes the value aware.
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class WindowForm(forms.Form):
    """When a pick shows: either end may be left open."""

    starts_at = _time_field("Shows from")
    ends_at = _time_field("Until")


class AddPickForm(WindowForm):
    """A story for the top of a list. Any article is accepted here: the service explains refusals."""

    field_order = ["article", "starts_at", "ends_at"]

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin's autocomplete, which offers only published stories for an Editor's Pick.
        self.fields["article"] = forms.ModelChoiceField(
            label="Story",
            queryset=Article.objects.all(),
            widget=AutocompleteSelect(EditorsPick._meta.get_field("article"), admin_site),
        )
        self.order_fields(self.field_order)


@dataclass
class Entry:
    """One row of the curation screen."""

    pick: EditorsPick
    place: int
    window: str
    not_showing: str = ""
    window_form: WindowForm | None = None
    divider_after: bool = False


@admin.register(EditorsPick)
class EditorsPickAdmin(admin.ModelAdmin):
    """The curation screen in place of the change list; changes go through ``articles.curation``."""

    search_fields = ["article__headline"]
    curation_template = "admin/articles/editorspick/curation.html"
    audit_trail_length = 20

    def has_delete_permission(self, request, obj=None):
        # Removal is the curation screen's Remove button, which keeps positions and the audit trail.
        return False

    def get_urls(self):
        def view(function, suffix, route):
            return path(route, self.admin_site.admin_view(function), name=f"articles_editorspick_{suffix}")

        return [
            view(self.reorder_view, "reorder", "reorder/"),
            view(self.move_view, "move", "<int:pick_id>/move/"),
            view(self.remove_view, "remove", "<int:pick_id>/remove/"),
            view(self.window_view, "window", "<int:pick_id>/window/"),
            *super().get_urls(),
        ]

    # --- the screen ------------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        """The curation screen for the list chosen by ``?section=``."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        section = self._chosen_list(request.GET.get("section"))
        return self._render(request, section, AddPickForm(admin_site=self.admin_site))

    def add_view(self, request, form_url="", extra_context=None):
        """
        Add a story to the top of the list named in ``section``. The form lives on the curation
        screen: a GET shows the screen, a refused POST shows it again with the form as sent.
        """
        self._require_curator(request)
        if request.method != "POST":
            return self.changelist_view(request)
        section = self._chosen_list(request.POST.get("section"))
        form = AddPickForm(request.POST, admin_site=self.admin_site)
        if form.is_valid():
            try:
                pick = curation.add_pick(user=request.user, section=section, **form.cleaned_data)
            except curation.CurationError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"“{pick.article}” is now at the top of {curation.describe_list(section)}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._screen_url(section))
        else:
            self.message_user(request, "The story was not added: see the form below.", messages.ERROR)
        return self._render(request, section, form)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A pick is edited on its list's curation screen."""
        pick = get_object_or_404(EditorsPick, pk=object_id)
        if not self.has_view_or_change_permission(request, pick):
            raise PermissionDenied
        return HttpResponseRedirect(f"{self._screen_url(pick.section)}#pick-{pick.pk}")

    def _render(self, request, section, add_form):
        can_curate = is_curator(request.user)
        limit = settings.NEWSROOM_PICKS_LIMIT
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Editor's Pick: {section.name if section else 'site-wide'}",
            "section": section,
            "list_key": self._list_key(section),
            "list_name": curation.describe_list(section),
            "lists": self._lists(),
            "entries": self._entries(section, can_curate, limit),
            "limit": limit,
            "can_curate": can_curate,
            "add_form": add_form if can_curate else None,
            "media": self.media + (add_form.media if can_curate else forms.Media()),
            "events": CurationEvent.objects.filter(**self._lookup(section)).select_related(
                "actor", "article"
            )[: self.audit_trail_length],
            "events_url": reverse("admin:articles_curationevent_changelist")
            + (f"?section__id__exact={section.pk}" if section else "?section__isnull=True"),
            "time_zone": timezone.get_current_timezone_name(),
        }
        return TemplateResponse(request, self.curation_template, context)

    def _lists(self):
        """(key, label, number of picks) for the list chooser: site-wide first, then sections."""
        site_count = EditorsPick.objects.filter(section__isnull=True).count()
        sections = Section.objects.annotate(pick_count=Count("picks"))
        return [(SITE_WIDE, "Site-wide", site_count)] + [
            (str(section.pk), section.name, section.pick_count) for section in sections
        ]

    def _entries(self, section, can_curate, limit):
        """The list's picks in order, each saying whether and why it is not on the site now."""
        now = timezone.now()
        picks = EditorsPick.objects.filter(**self._lookup(section)).select_related("article")
        # What readers see is decided by showing() alone; the screen only explains the rest.
        showing = set(
            EditorsPick.objects.showing(section=section, now=now)
            .filter(**self._lookup(section))
            .values_list("pk", flat=True)
        )
        entries, shown = [], 0
        for place, pick in enumerate(picks, start=1):
            entry = Entry(
                pick=pick, place=place, window=curation.describe_window(pick.starts_at, pick.ends_at)
            )
            if pick.pk in showing:
                shown += 1
                entry.divider_after = shown == limit
                if shown > limit:
                    entry.not_showing = f"below the first {limit}"
            else:
                entry.not_showing = curation.describe_not_showing(pick, now=now)
            if can_curate:
                entry.window_form = WindowForm(
                    initial={"starts_at": pick.starts_at, "ends_at": pick.ends_at},
                    auto_id=f"id_pick{pick.pk}_%s",
                )
            entries.append(entry)
        if entries and entries[-1].divider_after:
            entries[-1].divider_after = False  # nothing below the line to explain
        return entries

    # --- changes: POST, curators only, back to the same list ------------------------------------

    @method_decorator(require_POST)
    def move_view(self, request, pick_id):
        """Move a pick one place ``up`` or ``down`` (the buttons work without JavaScript)."""
        pick = self._pick_for_change(request, pick_id)
        if pick is not None:
            try:
                moved = curation.move_pick(
                    user=request.user, pick=pick, direction=request.POST.get("direction", "")
                )
            except curation.CurationError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request, f"“{moved.article}” is at position {moved.position + 1}.", messages.SUCCESS
                )
        return self._back(request, pick)

    @method_decorator(require_POST)
    def remove_view(self, request, pick_id):
        """Take a pick out of its list."""
        pick = self._pick_for_change(request, pick_id)
        if pick is not None:
            try:
                curation.remove_pick(user=request.user, pick=pick)
            except curation.CurationError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"“{pick.article}” was removed from {curation.describe_list(pick.section)}.",
                    messages.SUCCESS,
                )
        return self._back(request, pick)

    @method_decorator(require_POST)
    def window_view(self, request, pick_id):
        """Set when a pick shows (datetime-local values in the site time zone)."""
        pick = self._pick_for_change(request, pick_id)
        if pick is None:
            return self._back(request, pick)
        form = WindowForm(request.POST)
        if not form.is_valid():
            problems = "; ".join(
                f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()
            )
            self.message_user(
                request, f"The times of “{pick.article}” were not changed. {problems}", messages.ERROR
            )
            return self._back(request, pick)
        try:
            changed = curation.set_window(user=request.user, pick=pick, **form.cleaned_data)
        except curation.CurationError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            window = curation.describe_window(changed.starts_at, changed.ends_at)
            self.message_user(request, f"“{changed.article}” {window}.", messages.SUCCESS)
        return self._back(request, pick)

    @method_decorator(require_POST)
    def reorder_view(self, request):
        """
        Drag and drop: put the list named in ``section`` in the order of the ``pick`` ids.
        Answers JSON for the script, which reloads the screen to show the result and message.
        """
        self._require_curator(request)
        section = self._chosen_list(request.POST.get("section"))
        try:
            picks = curation.reorder(
                user=request.user, section=section, pick_ids=request.POST.getlist("pick")
            )
        except curation.CurationError as error:
            self.message_user(request, str(error), messages.ERROR)
            return JsonResponse({"error": str(error)}, status=400)
        self.message_user(request, f"New order of {curation.describe_list(section)} saved.", messages.SUCCESS)
        return JsonResponse({"order": [pick.pk for pick in picks]})

    # --- helpers ---------------------------------------------------------------------------------

    def _require_curator(self, request):
        if not is_curator(request.user):
            raise PermissionDenied

    def _pick_for_change(self, request, pick_id):
        """The pick to change, or None (with a message) when someone removed it meanwhile."""
        self._require_curator(request)
        pick = EditorsPick.objects.select_related("article", "section").filter(pk=pick_id).first()
        if pick is None:
            self.message_user(
                request, "That story is no longer in the list: someone removed it.", messages.ERROR
            )
        return pick

    def _back(self, request, pick):
        """Back to the list the pick is (or was) in; the forms send it along for removed picks."""
        section = pick.section if pick is not None else self._chosen_list(request.POST.get("section"))
        return HttpResponseRedirect(self._screen_url(section))

    def _chosen_list(self, key):
        if key in (None, "", SITE_WIDE):
            return None
        if not key.isdigit():
            raise Http404("No such Editor's Pick list.")
        return get_object_or_404(Section, pk=key)

    def _list_key(self, section):
        return SITE_WIDE if section is None else str(section.pk)

    def _screen_url(self, section):
        return f"{reverse('admin:articles_editorspick_changelist')}?section={self._list_key(section)}"

    @staticmethod
    def _lookup(section):
        return {"section": section} if section is not None else {"section__isnull": True}


@admin.register(CurationEvent)
class CurationEventAdmin(AuditTrailAdmin, HostileInputSafe, admin.ModelAdmin):
    """The curation audit trail: readable by the desk, written only by ``articles.curation``."""

    list_display = ["created_at", "action", "article", "list_name", "actor", "detail"]
    list_filter = ["action", "section"]
    list_select_related = ["article", "section", "actor"]
    search_fields = ["article__headline", "detail"]
    date_hierarchy = "created_at"

    @admin.display(description="List", ordering="section__name")
    def list_name(self, event):
        return event.section or "Site-wide"
