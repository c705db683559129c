"""
The photo library: upload, credit, caption, alt text and focal point; where each photo is used;
and deletion, refused while a story needs the photo.

A new photo is made by ``articles.photos.photo_create`` (checked by content, re-encoded without
private metadata, stored under generated names), never by the ModelForm's own save. Its image
cannot be swapped afterwards: a different picture is a new photo, so a story never changes
picture behind the desk's back.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from articles import photos, renditions, uploads
from articles.admin.cropping import CropBoxField, crop_box_fields, crop_field_name
from articles.admin.mixins import HostileInputSafe, RefreshesReaderPages
from articles.admin.widgets import FocalPointFormMixin
from articles.models import CROP_RATIOS, Article, InlinePhotoUse, Photo, PhotoCredit

ACCEPT = "image/jpeg,image/png,image/webp,image/gif"


@admin.register(PhotoCredit)
class PhotoCreditAdmin(HostileInputSafe, RefreshesReaderPages, admin.ModelAdmin):
    list_display = ["name", "photo_count"]
    search_fields = ["name"]
    # Explicit: the Count annotation drops Meta.ordering, which left the credit autocomplete
    # (the photo form's) unordered and its pages inconsistent.
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(photo_count=Count("photos"))

    @admin.display(description="Photos", ordering="photo_count")
    def photo_count(self, credit):
        return credit.photo_count


class PhotoAdminForm(FocalPointFormMixin, forms.ModelForm):
    # FocalPointFormMixin: focal_x is set by clicking on the photo (articles/admin/widgets.py).
    # A plain file field, not a model one: the photo service alone reads the upload. (A forms.
    # ImageField would hand it to every Pillow plugin first and answer with one vague message.)
    upload = forms.FileField(
        label="Image",
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=(
            "JPEG, PNG, WebP or GIF. Location and camera data are removed from what readers get; "
            "the file as uploaded is kept privately."
        ),
    )

    # One box per ratio of CROP_RATIOS, set up for the photo being edited in __init__.
    crop_16x9 = CropBoxField(crop="16x9")
    crop_4x3 = CropBoxField(crop="4x3")
    crop_1x1 = CropBoxField(crop="1x1")

    # Set by PhotoAdmin.get_form when the upload handler refused the file (over the size limit).
    upload_refusal = None

    class Meta:
        model = Photo
        fields = ["credit", "caption", "alt_text", "focal_x", "focal_y"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepared = None
        if self.instance.pk:
            del self.fields["upload"]  # a photo keeps its image: another picture is another photo
            # Crop boxes are drawn on the served image, so they come once the photo is uploaded.
            self.fields.update(crop_box_fields(self.instance))
        else:
            for crop in CROP_RATIOS:
                del self.fields[crop_field_name(crop)]
        if self.upload_refusal is not None and "upload" in self.fields:
            # The refused file never reached the form: say why instead of "This field is required."
            self.fields["upload"].error_messages["required"] = self.upload_refusal.messages[0]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        self.prepared = photos.prepare_image(upload)
        return upload

    def crop_boxes_changed(self):
        return any(crop_field_name(crop) in self.changed_data for crop in CROP_RATIOS)

    def _post_clean(self):
        # Crop boxes are form fields of their own (four numbers each), kept in one JSON field.
        if self.instance.pk and not any(crop_field_name(crop) in self._errors for crop in CROP_RATIOS):
            self.instance.crop_boxes = {
                crop: self.cleaned_data.get(crop_field_name(crop)) for crop in CROP_RATIOS
            }
        super()._post_clean()


class AltTextFilter(admin.SimpleListFilter):
    title = "alt text"
    parameter_name = "alt_text"

    def lookups(self, request, model_admin):
        return [("missing", "Missing"), ("present", "Present")]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(alt_text="")
        if self.value() == "present":
            return queryset.exclude(alt_text="")
        return queryset


class UseFilter(admin.SimpleListFilter):
    """
    Photos no story uses yet (as lead photo or inline), for picking one: in SQL, so the list
    pages and counts as any other. Inline use is what the stories' saves recorded
    (``InlinePhotoUse``), not a search of every story's text.
    """

    title = "use"
    parameter_name = "use"

    def lookups(self, request, model_admin):
        return [("unused", "Not yet used"), ("used", "Used")]

    def queryset(self, request, queryset):
        if self.value() not in ("unused", "used"):
            return queryset
        as_lead = Exists(Article.objects.filter(lead_photo=OuterRef("pk")))
        inline = Exists(InlinePhotoUse.objects.filter(photo=OuterRef("pk")))
        if self.value() == "unused":
            return queryset.filter(~as_lead, ~inline)
        return queryset.filter(as_lead | inline)


def _article_link(article):
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:articles_article_change", args=[article.pk]), article.headline
    )


def _describe_use(use):
    return format_html("{} ({}, {})", _article_link(use.article), use.article.get_status_display(), use.where)


@admin.register(Photo)
class PhotoAdmin(HostileInputSafe, RefreshesReaderPages, admin.ModelAdmin):
    show_full_result_count = False
    form = PhotoAdminForm
    list_display = ["thumbnail", "caption_or_dash", "credit", "size", "has_alt_text", "used_in", "created_at"]
    list_display_links = ["thumbnail", "caption_or_dash"]
    list_select_related = ["credit"]
    list_filter = ["credit", ("created_at", admin.DateFieldListFilter), UseFilter, AltTextFilter]
    list_per_page = 50
    search_fields = ["caption", "credit__name", "alt_text"]
    search_help_text = "Search by caption, credit or alt text."
    autocomplete_fields = ["credit"]
    date_hierarchy = "created_at"
    readonly_fields = ["preview", "size", "usage", "uploaded_by", "created_at"]
    actions = ["delete_selected"]

    def get_fieldsets(self, request, obj=None):
        described = ["credit", "caption", "alt_text"]
        focal = ("Focal point", {"fields": ["focal_x", "focal_y"]})
        if obj is None:
            return [(None, {"fields": ["upload", *described]}), focal]
        crops = (
            "Crops",
            {
                "fields": [crop_field_name(crop) for crop in CROP_RATIOS],
                "description": "The part of the photo each shape of picture shows on the site.",
            },
        )
        return [
            (None, {"fields": ["preview", *described]}),
            focal,
            crops,
            ("Details", {"fields": ["usage", "size", "uploaded_by", "created_at"]}),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and request.method == "POST":
            refusal = uploads.upload_refusal(request, "upload")
            if refusal is not None:
                form = type(form.__name__, (form,), {"upload_refusal": refusal})
        return form

    # --- the list ------------------------------------------------------------------------------

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # Where every photo of the page is used, in one query for the whole page.
        page = list(changelist.result_list)
        usages = photos.photo_usages(page)
        for photo in page:
            photo.usages = usages[photo.pk]
        return changelist

    def _usages(self, photo):
        if not hasattr(photo, "usages"):
            photo.usages = photos.photo_usage(photo)
        return photo.usages

    @admin.display(description="Photo")
    def thumbnail(self, photo):
        # The smallest rendition (320 wide), not the full-size image: a page lists 50 photos.
        # Until a new photo's renditions are made (seconds, unless the worker is down), the desk
        # still sees it: the served image, the only file there is yet.
        made = renditions.rendition_set(photo)
        if made is not None:
            small = made.of_format("webp")[0]
            url, height = small.url, round(80 * small.height / small.width)
        elif photo.image and photo.width and photo.height:
            url, height = photo.image.url, round(80 * photo.height / photo.width)
        else:
            return "—"
        return format_html(
            '<img src="{}" alt="" width="80" height="{}" loading="lazy" decoding="async">', url, height
        )

    @admin.display(description="Caption", ordering="caption")
    def caption_or_dash(self, photo):
        return photo.caption or "—"

    @admin.display(description="Size")
    def size(self, photo):
        return f"{photo.width}\u00a0×\u00a0{photo.height}" if photo.width else "—"

    @admin.display(description="Alt text", boolean=True)
    def has_alt_text(self, photo):
        return bool(photo.alt_text.strip())

    @admin.display(description="Used in")
    def used_in(self, photo):
        uses = self._usages(photo)
        if not uses:
            return "—"
        ids = ",".join(str(use.article.pk) for use in uses)
        label = f"{len(uses)} article{'' if len(uses) == 1 else 's'}"
        changelist = reverse("admin:articles_article_changelist")
        return format_html('<a href="{}?id__in={}">{}</a>', changelist, ids, label)

    # --- the change form -----------------------------------------------------------------------

    @admin.display(description="Image")
    def preview(self, photo):
        return format_html(
            '<a href="{0}"><img src="{0}" alt="{1}" width="320" style="height:auto"></a>',
            photo.image.url,
            photo.alt_text,
        )

    @admin.display(description="Used in")
    def usage(self, photo):
        uses = self._usages(photo)
        if not uses:
            return "Not used in any story."
        items = format_html_join("", "<li>{}</li>", ((_describe_use(use),) for use in uses))
        return format_html("<ul>{}</ul>", items)

    # --- saving: a new photo goes through the photo service ------------------------------------

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        data = form.cleaned_data
        return photos.photo_create(
            file=form.prepared,
            credit=data["credit"],
            caption=data["caption"],
            alt_text=data["alt_text"],
            focal_x=data["focal_x"],
            focal_y=data["focal_y"],
            user=request.user,
        )

    def save_model(self, request, obj, form, change):
        if not change:
            return  # saved by the photo service in save_form
        super().save_model(request, obj, form, change)
        if {"focal_x", "focal_y"} & set(form.changed_data) or form.crop_boxes_changed():
            renditions.make_renditions_later(obj)  # new crops: pages keep the old ones meanwhile

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    # --- deleting: refused while a story needs the photo ---------------------------------------

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        objs = list(objs)
        usages = photos.photo_usages(objs)
        several = len(objs) > 1
        blocking = [
            format_html("{}{}", f"“{photo}”: " if several else "", _describe_use(use))
            for photo in objs
            for use in usages[photo.pk]
            if use.blocks_deletion
        ]
        # Ours say how each story uses the photo; Django's (from the database's PROTECT) stay
        # as a fallback should ours ever miss one.
        protected = blocking or protected
        if protected:
            # Django counts a protected story the user may not delete as a missing permission,
            # and would say that instead of why the photo stays.
            perms_needed = set()
        return deleted, model_count, perms_needed, protected

    def delete_view(self, request, object_id, extra_context=None):
        photo = self.get_object(request, object_id)
        if photo is not None:
            drafts = [use for use in photos.photo_usage(photo) if not use.blocks_deletion]
            extra_context = {**(extra_context or {}), "unpublished_uses": [_describe_use(u) for u in drafts]}
        try:
            return super().delete_view(request, object_id, extra_context)
        except photos.PhotoInUse as refusal:
            # A story took the photo between the confirmation page and the deletion.
            self.message_user(request, str(refusal), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:articles_photo_change", args=[object_id]))

    def delete_model(self, request, obj):
        photos.photo_delete(photo=obj)

    def delete_queryset(self, request, queryset):
        for photo in queryset:
            photos.photo_delete(photo=photo)

    @admin.action(permissions=["delete"], description="Delete selected photos")
    def delete_selected(self, request, queryset):
        try:
            with transaction.atomic():
                return django_delete_selected(self, request, queryset)
        except photos.PhotoInUse as refusal:
            self.message_user(request, f"Nothing was deleted. {refusal}", messages.ERROR)
            return None
