"""
The inbox in the admin: each person's own notifications, newest first, with their links to the
story, "Mark read" and "Mark all read" (POST), and how they want to be told. Every member of
staff has one, whatever their role: it holds only what was sent to them.
"""

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from inbox.delivery import preference_of
from inbox.forms import PreferenceForm
from inbox.models import Notification

PER_PAGE = 50


@admin.register(Notification)
class InboxAdmin(admin.ModelAdmin):
    """The inbox page in place of the change list; nothing is added, changed or deleted by hand."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        user = request.user
        return user.is_active and user.is_staff and (obj is None or obj.recipient_id == user.pk)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        def view(function, suffix, route):
            return path(route, self.admin_site.admin_view(function), name=f"inbox_notification_{suffix}")

        return [
            view(self.open_view, "open", "<int:notification_id>/open/"),
            view(self.read_view, "read", "<int:notification_id>/read/"),
            view(self.read_all_view, "read_all", "read-all/"),
            view(self.preference_view, "preference", "preference/"),
            view(self.changelist_view, "changelist", ""),
        ]

    def changelist_view(self, request, extra_context=None):
        """The inbox: ``?unread=1`` for the unread ones only."""
        return self._render(request, PreferenceForm(instance=preference_of(request.user)))

    def _render(self, request, preference_form, status=200):
        mine = Notification.objects.filter(recipient=request.user)
        unread_only = request.GET.get("unread") == "1"
        shown = mine.filter(read_at__isnull=True) if unread_only else mine
        page = Paginator(shown.select_related("article"), PER_PAGE).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Inbox",
            "page": page,
            "unread_only": unread_only,
            "unread_count": mine.filter(read_at__isnull=True).count(),
            "preference_form": preference_form,
        }
        return TemplateResponse(request, "admin/inbox/notification/inbox.html", context, status=status)

    def open_view(self, request, notification_id):
        """Mark the notification read and go to its story (or back to the inbox if it is gone)."""
        notification = self._own(request, notification_id)
        if notification.read_at is None:
            Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
        if notification.article_id is None:
            messages.info(request, "That story has been deleted.")
            return HttpResponseRedirect(reverse("admin:inbox_notification_changelist"))
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[notification.article_id]))

    def read_view(self, request, notification_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        notification = self._own(request, notification_id)
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        return self._back(request)

    def read_all_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        marked = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        messages.success(request, f"Marked {marked} notification{'s' if marked != 1 else ''} read.")
        return self._back(request)

    def preference_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        form = PreferenceForm(request.POST, instance=preference_of(request.user))
        if not form.is_valid():
            messages.error(request, "Your choice was not saved: choose one of the options below.")
            return self._render(request, form, status=400)
        form.save()
        messages.success(request, f"Saved: you are told {form.instance.get_delivery_display().lower()}.")
        return self._back(request)

    def _own(self, request, notification_id):
        return get_object_or_404(Notification, pk=notification_id, recipient=request.user)

    def _back(self, request):
        """To the inbox page the form was on (``next``), or the inbox."""
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            target = reverse("admin:inbox_notification_changelist")
        return HttpResponseRedirect(target)
