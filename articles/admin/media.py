"""
The desk's audio library and topics.

A recording is uploaded here, checked by its content (``articles.audio``), and then chosen on
a story like its lead photo. Topics are made here and filed on stories from the story's form
(autocomplete); a topic renamed or deleted refreshes the pages that name it.
"""

from django.contrib import admin

from articles import cachetags, uploads
from articles.admin.mixins import HostileInputSafe
from articles.models import Audio, Topic


@admin.register(Audio)
class AudioAdmin(HostileInputSafe, admin.ModelAdmin):
    list_display = ["title", "credit", "duration_text", "mime_type", "created_at"]
    search_fields = ["title", "credit"]
    readonly_fields = ["duration_text", "mime_type", "size"]
    fields = ["recording", "title", "credit", "duration_text", "mime_type", "size"]

    @admin.display(description="Duration")
    def duration_text(self, recording):
        return recording.duration_text if recording.duration else "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # A recording over the size limit was skipped while it streamed in (articles/uploads.py):
        # say so, instead of "This field is required".
        refusal = uploads.upload_refusal(request, uploads.AUDIO_FIELD) if request.method == "POST" else None
        if refusal is not None:
            form.base_fields["recording"].error_messages = {
                **form.base_fields["recording"].error_messages,
                "required": refusal.messages[0],
            }
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)
        if change:
            cachetags.audio_changed(articles=obj.articles.all())


@admin.register(Topic)
class TopicAdmin(HostileInputSafe, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def log_change(self, request, obj, message):
        # Its name is on its stories' pages, its address in their links: refresh them all.
        cachetags.site_changed()
        cachetags.topics_changed(article_pk=None, topic_pks=[obj.pk])
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        cachetags.site_changed()
        return super().log_deletions(request, queryset)
