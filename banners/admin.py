"""
The banners in the admin: a list with each banner's state, the stock add and change forms, and
the audit trail, read-only. Every save and every end goes through ``banners.services``; the form
shows its refusals as field errors first (the model's ``clean`` and constraints, which the
service checks again on the locked row).
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils import timezone

from articles.admin.mixins import AuditTrailAdmin, HostileInputSafe
from articles.models import Article
from banners import services
from banners.models import Banner, BannerEvent


@admin.register(Banner)
class BannerAdmin(HostileInputSafe, admin.ModelAdmin):
    list_display = ["text", "scope", "article", "starts_at", "expires_at", "state"]
    list_select_related = ["article", "section"]
    fields = ["text", "article", "section", "starts_at", "expires_at"]
    autocomplete_fields = ["article"]
    # No "delete selected": a banner is ended one at a time, from its delete button, each audited.
    actions = None

    def get_queryset(self, request):
        visible = Article.objects.published().filter(pk=OuterRef("article_id"))
        return super().get_queryset(request).annotate(story_visible=Exists(visible))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":
            kwargs["empty_label"] = "Site-wide: every page"
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Shows on", ordering="section__name")
    def scope(self, banner):
        return banner.scope_name

    @admin.display(description="Readers see it")
    def state(self, banner):
        now = timezone.now()
        if banner.expires_at <= now:
            return f"No: expired at {services.local_time(banner.expires_at)}"
        if banner.starts_at > now:
            return f"Not yet: from {services.local_time(banner.starts_at)}"
        if not banner.story_visible:
            return "No: its story is not published"
        return f"Yes, until {services.local_time(banner.expires_at)}"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.BannerError as error:
            # Refused on the locked row after the form passed: someone else changed the scope
            # meanwhile. Nothing was saved (the admin's transaction rolled back). The form comes
            # back with what was typed and the refusal as its error; nothing is saved this time.
            request.banner_refusal = str(error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "banner_refusal", None)
        if refusal is None:
            return form

        class RefusedForm(form):
            def clean(self):
                raise ValidationError(f"The banner was not saved: {refusal}")

        return RefusedForm

    def save_model(self, request, obj, form, change):
        services.banner_save(user=request.user, banner=obj)

    def delete_model(self, request, obj):
        services.banner_end(user=request.user, banner=obj)


@admin.register(BannerEvent)
class BannerEventAdmin(AuditTrailAdmin, HostileInputSafe, admin.ModelAdmin):
    """The banners' audit trail: readable by the desk, written only by ``banners.services``."""

    list_display = ["created_at", "action", "banner_number", "scope", "article", "actor", "detail"]
    list_filter = ["action"]
    list_select_related = ["article", "actor"]
    search_fields = ["detail"]
    date_hierarchy = "created_at"
