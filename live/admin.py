"""
The desk's live story page: a quick-post form, the posts waiting for approval (one click each),
the stream with edit and delete, the approval setting and closing the coverage, all without
opening the story's full form. Every change goes through ``live.actions``.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django_ckeditor_5.widgets import CKEditor5Widget

from articles.admin.mixins import HostileInputSafe
from articles.admin.widgets import KeyCheckedMultipleChoiceField
from articles.permissions import is_editor
from live import actions
from live.models import LiveCoverage, LivePost


class LivePostForm(forms.ModelForm):
    correction_note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For a post already out: what was wrong. Readers see it with the post.",
    )

    class Meta:
        model = LivePost
        fields = ["title", "body", "photo", "authors", "key_event", "pinned"]
        widgets = {"body": CKEditor5Widget(config_name="default")}
        # A byline that cannot be a key is a field error, not a failed query (widgets.py says why).
        field_classes = {"authors": KeyCheckedMultipleChoiceField}

    def __init__(self, *args, correcting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authors"].required = False
        self.fields["authors"].help_text = "Empty: your own byline."
        if not correcting:
            del self.fields["correction_note"]


@admin.register(LiveCoverage)
class LiveCoverageAdmin(HostileInputSafe, admin.ModelAdmin):
    list_display = ["article", "started_at", "ended_at", "reporter_posts_need_approval"]
    list_select_related = ["article"]
    autocomplete_fields = ["article"]
    fields = ["article", "reporter_posts_need_approval"]
    search_fields = ["article__headline"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # a live story ends by closing it; its posts and trail stay

    def save_model(self, request, obj, form, change):
        # Adding is starting the coverage, through its action (audited, the cards refreshed).
        coverage = actions.start_coverage(
            user=request.user,
            article=obj.article,
            reporter_posts_need_approval=obj.reporter_posts_need_approval,
        )
        obj.pk, obj.started_at, obj._state.adding = coverage.pk, coverage.started_at, False

    def response_add(self, request, obj, post_url_continue=None):
        return redirect(reverse("admin:live_livecoverage_change", args=[obj.pk]))

    def get_urls(self):
        edit = self.admin_site.admin_view(self.edit_post_view)
        return [
            path("<int:object_id>/posts/<int:post_pk>/", edit, name="live_livecoverage_post"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The live desk: POST ``do`` is one of ``post``, ``approve``, ``delete``, ``approval``, ``close``."""
        coverage = get_object_or_404(LiveCoverage.objects.select_related("article"), pk=object_id)
        if not self.has_view_permission(request, coverage):
            raise PermissionDenied
        form = LivePostForm(prefix="post")
        if request.method == "POST":
            form, done = self._do(request, coverage)
            if done:
                return redirect(request.path)
        posts = coverage.posts.select_related("created_by", "photo").prefetch_related("authors")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Live: {coverage.article.headline}",
            "coverage": coverage,
            "form": form,
            "media": self.media + form.media,
            "waiting": [post for post in posts if not post.is_approved],
            "posts": [post for post in posts if post.is_approved],
            "is_editor": is_editor(request.user),
            "can_post": actions.can_post(request.user),
        }
        return TemplateResponse(request, "admin/live/desk.html", context)

    def _do(self, request, coverage):
        """Run the action the desk's form asked for: ``(form to show, done)``."""
        what = request.POST.get("do")
        form = LivePostForm(prefix="post")
        try:
            if what == "post":
                form = LivePostForm(request.POST, prefix="post")
                if not form.is_valid():
                    return form, False
                post = actions.add_post(user=request.user, coverage=coverage, **form.cleaned_data)
                out = "is out" if post.is_approved else "waits for an editor's approval"
                self.message_user(request, f"Your post {out}.", messages.SUCCESS)
            elif what in ("approve", "delete"):
                post = get_object_or_404(LivePost, pk=request.POST.get("post"), coverage=coverage)
                action = actions.approve_post if what == "approve" else actions.delete_post
                action(user=request.user, post=post)
                self.message_user(
                    request, f"Post {'approved' if what == 'approve' else 'deleted'}.", messages.SUCCESS
                )
            elif what == "approval":
                required = request.POST.get("required") == "1"
                actions.set_approval(user=request.user, coverage=coverage, required=required)
                self.message_user(request, "Approval setting saved.", messages.SUCCESS)
            elif what == "close":
                actions.close_coverage(user=request.user, coverage=coverage)
                self.message_user(request, "The live coverage has ended.", messages.SUCCESS)
            else:
                self.message_user(request, "Nothing was asked for.", messages.ERROR)
        except actions.LiveError as error:
            self.message_user(request, str(error), messages.ERROR)
            return form, what != "post"
        return form, True

    def edit_post_view(self, request, object_id, post_pk):
        """Edit one post (a correction note for a post already out)."""
        post = get_object_or_404(
            LivePost.objects.select_related("coverage__article"), pk=post_pk, coverage_id=object_id
        )
        if not actions.can_change_post(request.user, post):
            raise PermissionDenied
        correcting = post.is_approved
        form = LivePostForm(request.POST or None, instance=post, correcting=correcting)
        if request.method == "POST" and form.is_valid():
            data = {**form.cleaned_data, "authors": form.cleaned_data["authors"] or None}
            try:
                actions.edit_post(user=request.user, post=post, **data)
            except actions.LiveError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, "Post saved.", messages.SUCCESS)
                return redirect(reverse("admin:live_livecoverage_change", args=[object_id]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Edit post {post.pk}",
            "coverage": post.coverage,
            "post": post,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/live/edit_post.html", context)
