"""
Widgets for the desk's forms.

``FocalPointWidget`` sets a photo's focal point by clicking on the photo. It renders the
``focal_x`` number input together with a preview of the photo and a marker; a click on the preview
writes both ``focal_x`` and its pair ``focal_y`` (fractions of the width and height, 0 to 1), and
typing in either input moves the marker. Without JavaScript the two number inputs do the job on
their own. Crops (articles/renditions.py) keep the focal point in frame.
"""

from django import forms
from django.contrib.admin import widgets as admin_widgets
from django.core.exceptions import ValidationError
from django.utils.html import format_html

FOCAL_POINT_HELP = (
    "Click on the photo where its subject is: the 16:9 and square crops keep that point in frame."
)


def _percent(value):
    """A focal coordinate as a CSS percentage for the marker (the middle when unreadable)."""
    try:
        fraction = min(max(float(value), 0.0), 1.0)
    except (TypeError, ValueError):
        fraction = 0.5
    return f"{fraction * 100:.1f}"


class FocalPointWidget(forms.NumberInput):
    """
    The ``focal_x`` input with a clickable preview of ``image_url``. ``y_field`` names the
    ``focal_y`` input it also fills (found in the same form, with the same prefix).
    """

    class Media:
        css = {"all": ["admin/focal_point/focal_point.css"]}
        js = ["admin/focal_point/focal_point.js"]

    def __init__(self, attrs=None, *, image_url=None, y_value=None, x_field="focal_x", y_field="focal_y"):
        super().__init__(attrs={"step": "0.001", "min": "0", "max": "1", **(attrs or {})})
        self.image_url = image_url
        self.y_value = y_value  # where the marker starts before the script reads the y input
        self.x_field = x_field
        self.y_field = y_field

    def _y_name(self, name):
        prefix = name.removesuffix(self.x_field) if name.endswith(self.x_field) else ""
        return prefix + self.y_field

    def render(self, name, value, attrs=None, renderer=None):
        number_input = super().render(name, value, attrs, renderer)
        return format_html(
            '<div class="focal-point" data-focal-point data-y-name="{}">'
            "{}"
            '<div class="focal-point__preview" tabindex="0" role="group" aria-label="Focal point"{}>'
            '<img class="focal-point__image" src="{}" alt="">'
            '<span class="focal-point__marker" style="left: {}%; top: {}%"></span>'
            "</div>"
            '<p class="help focal-point__help">{}</p>'
            "</div>",
            self._y_name(name),
            number_input,
            "" if self.image_url else " hidden",
            self.image_url or "",
            _percent(value),
            _percent(self.y_value),
            FOCAL_POINT_HELP,
        )


class FocalPointFormMixin:
    """
    For a ModelForm of ``Photo``: ``focal_x`` gets the ``FocalPointWidget`` with a preview of the
    photo being edited (on the add form, of the file chosen, shown by the script). ``focal_y``
    stays a number input.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("focal_x")
        if field is None:
            return
        image = getattr(self.instance, "image", None)
        has_y = "focal_y" in self.fields
        field.widget = FocalPointWidget(
            attrs={**field.widget.attrs, "step": "0.001"},
            image_url=image.url if image else None,
            y_value=self["focal_y"].value() if has_y else None,
        )
        if has_y:
            self.fields["focal_y"].widget.attrs.update({"step": "0.001", "min": "0", "max": "1"})


def can_be_key(key_field, value):
    """
    Whether ``value`` (as posted) can be a value of ``key_field``: one that is not, such as ``1.5``
    or a 30-digit number for an integer key, matches no row, and some queries (``__in``) raise
    on it (ValueError, or OverflowError from SQLite) instead of finding nothing.
    """
    try:
        key = key_field.to_python(value)
        for validator in key_field.validators:  # an integer column's range among them
            validator(key)
    except ValidationError:
        return False
    return True


class KeyCheckedMultipleChoiceField(forms.ModelMultipleChoiceField):
    """
    A multiple choice that refuses a value that cannot be a key with "not a valid value", as a
    single choice does: Django's own check runs the values through an ``__in`` query, which
    raises on one (a 30-digit number: OverflowError from SQLite) instead of refusing it.
    """

    def clean(self, value):
        key_field = self.queryset.model._meta.pk
        for key in value or []:
            if not can_be_key(key_field, key):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": key}
                )
        return super().clean(value)


class _ExistingKeysOnly:
    """
    Django's autocomplete widgets look up the submitted values to show them as chosen, with the
    raw values in an ``__in`` filter: a form sent back with ``1.5`` or a 30-digit number in a
    story's section raised while rendering the form that says the value is wrong. Values that
    cannot be a key are left out: no row has them.
    """

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        opts = remote.model._meta
        key_field = opts.get_field(getattr(remote, "field_name", None) or opts.pk.name)
        return super().optgroups(name, [v for v in value if can_be_key(key_field, v)], attr)


class AutocompleteSelect(_ExistingKeysOnly, admin_widgets.AutocompleteSelect):
    pass


class AutocompleteSelectMultiple(_ExistingKeysOnly, admin_widgets.AutocompleteSelectMultiple):
    pass
