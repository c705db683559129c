"""
The crop box of a photo for one aspect ratio (16:9, 4:3, 1:1), set in the admin's photo form.

``CropBoxField`` is four whole numbers, left, top, width and height in pixels of the served
image, or none at all (the crop is then cut around the focal point). Without JavaScript they are
typed; with it, ``static/admin/photos/crop_boxes.js`` puts a Cropper.js selection of the ratio
over the photo (the library is vendored in ``static/admin/vendor/cropperjs/``) and fills them in
as the box is moved. Whether the box fits the photo and the ratio is decided by the model's
``crop_box_error``, here and everywhere else.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from articles.models import CROP_RATIOS, crop_box_error

PARTS = ("Left", "Top", "Width", "Height")


def crop_field_name(crop):
    """The form field of the ``crop`` ("16x9") box: ``crop_16x9``."""
    return f"crop_{crop}"


class CropBoxWidget(forms.MultiWidget):
    """Four number inputs, with the photo the script crops in when it runs."""

    class Media:
        css = {"all": ["admin/photos/crop_boxes.css"]}
        js = ["admin/vendor/cropperjs/cropper.min.js", "admin/photos/crop_boxes.js"]

    def __init__(self, *, crop, image_url=None, image_size=None, focal=(0.5, 0.5)):
        inputs = [
            forms.NumberInput(attrs={"min": "0", "step": "1", "aria-label": part, "placeholder": part})
            for part in PARTS
        ]
        super().__init__(inputs)
        self.crop = crop
        self.image_url = image_url
        self.image_size = image_size
        self.focal = focal

    def decompress(self, value):
        return list(value) if value else [None] * len(PARTS)

    def render(self, name, value, attrs=None, renderer=None):
        inputs = super().render(name, value, attrs, renderer)
        ratio_w, ratio_h = CROP_RATIOS[self.crop]
        width, height = self.image_size or ("", "")
        return format_html(
            '<div class="crop-box" data-crop-box data-ratio-width="{}" data-ratio-height="{}" '
            'data-image-width="{}" data-image-height="{}" data-focal-x="{}" data-focal-y="{}">'
            '<div class="crop-box__numbers">{}</div>'
            '<div class="crop-box__editor" hidden>'
            '<img class="crop-box__image" src="{}" alt="">'
            '<button type="button" class="button crop-box__reset">Use the focal point</button>'
            "</div></div>",
            ratio_w,
            ratio_h,
            width,
            height,
            self.focal[0],
            self.focal[1],
            inputs,
            self.image_url or "",
        )


class CropBoxField(forms.MultiValueField):
    """
    A crop box as ``[left, top, width, height]``, or ``None`` when all four are left empty. Some
    but not all of them is an error, as is a box outside the photo or of another ratio.
    """

    def __init__(self, *, crop, image_size=None, **kwargs):
        self.crop = crop
        self.image_size = image_size
        fields = [forms.IntegerField(min_value=0, max_value=1_000_000, required=False) for _ in PARTS]
        super().__init__(fields, require_all_fields=False, required=False, **kwargs)

    def compress(self, data_list):
        if not data_list or all(value is None for value in data_list):
            return None
        if any(value is None for value in data_list):
            raise ValidationError(
                "Give all four numbers (left, top, width, height), or none to crop around the focal point."
            )
        box = list(data_list)
        width, height = self.image_size or (None, None)
        error = crop_box_error(self.crop, box, width=width, height=height)
        if error:
            raise ValidationError(error)
        return box


def crop_box_fields(photo):
    """The form fields of ``photo``'s crop boxes, one per ratio, each with its current box."""
    size = (photo.width, photo.height) if photo.width and photo.height else None
    url = photo.image.url if photo.image else None
    chosen = photo.crop_boxes if isinstance(photo.crop_boxes, dict) else {}
    fields = {}
    for crop in CROP_RATIOS:
        label = crop.replace("x", ":")
        fields[crop_field_name(crop)] = CropBoxField(
            crop=crop,
            image_size=size,
            label=f"{label} crop",
            initial=chosen.get(crop),
            help_text=(
                f"Drag the {label} box over the photo, or type its left, top, width and height in "
                "pixels. Leave all four empty to crop around the focal point."
            ),
            widget=CropBoxWidget(
                crop=crop, image_url=url, image_size=size, focal=(photo.focal_x, photo.focal_y)
            ),
        )
    return fields
