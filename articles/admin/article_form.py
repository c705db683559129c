"""Forms of the desk: the article form saves through ``articles.revisions``, never directly."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.db.models import Case, IntegerField, When
from django_ckeditor_5.widgets import CKEditor5Widget

from articles import revisions
from articles.models import Article, Author


class OrderedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice that keeps the order the user gave (bylines, Related News)."""

    def clean(self, value):
        chosen = super().clean(value)
        by_pk = {str(obj.pk): obj for obj in chosen}
        return [by_pk[str(pk)] for pk in dict.fromkeys(value or []) if str(pk) in by_pk]


def _in_given_order(queryset, pks):
    if not pks:
        return queryset
    order = Case(
        *[When(pk=pk, then=position) for position, pk in enumerate(pks)], output_field=IntegerField()
    )
    return queryset.order_by(order)


class ArticleAdminForm(forms.ModelForm):
    """
    The article form. Its content fields start from the latest revision (so a live story's
    pending edit is what the desk sees), and ``base_version`` carries the version the editor
    opened: a save from a stale version is refused with what changed in between.
    """

    author_list = OrderedModelMultipleChoiceField(
        Author.objects.all(),
        required=False,
        label="Authors",
        help_text="In byline order: the first author signs off first.",
    )
    related_list = OrderedModelMultipleChoiceField(
        Article.objects.all(),
        required=False,
        label="Related News",
        help_text="Shown first, in this order, before stories filled in from the same section.",
    )
    base_version = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        error_messages={"invalid": "The form lost track of the story's version: reload the page."},
    )
    revision_message = forms.CharField(
        required=False,
        max_length=300,
        label="Note on this change",
        help_text="Optional: what you changed, for the revision history.",
    )

    class Meta:
        model = Article
        fields = [
            "headline",
            "slug",
            "section",
            "summary",
            "anchor_lead",
            "body",
            "lead_photo",
            "publish_at",
            "expire_at",
        ]
        widgets = {"body": CKEditor5Widget(config_name="default")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None
        for name, model_field in [("author_list", "authors"), ("related_list", "related")]:
            field = self.fields[name]
            field.widget = AutocompleteSelectMultiple(Article._meta.get_field(model_field), admin.site)
            # A widget swapped in after the field was made has no choices; the autocomplete
            # renders the chosen options from them (the add form crashed without this).
            field.widget.choices = field.choices
        if self.instance.pk:
            content = revisions.content_of(self.instance)
            self.initial.update(
                {field: content[field] for field in revisions.CONTENT_FIELDS},
                author_list=content["authors"],
                related_list=content["related"],
                base_version=self.instance.version,
            )
            self.fields["related_list"].queryset = _in_given_order(
                Article.objects.exclude(pk=self.instance.pk), content["related"]
            )
            self.fields["author_list"].queryset = _in_given_order(Author.objects.all(), content["authors"])

    def content(self):
        """The submitted content, in revision form."""
        data = self.cleaned_data
        content = {
            field: getattr(data[field], "pk", data[field]) if field in data else self.initial.get(field)
            for field in revisions.CONTENT_FIELDS
        }
        content["authors"] = [author.pk for author in data["author_list"]]
        content["related"] = [other.pk for other in data["related_list"]]
        return content

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.errors:
            if cleaned.get("base_version") is None:
                raise forms.ValidationError(
                    "The form lost track of the story's version: reload the page.", code="no_version"
                )
            self._refuse_stale_save(cleaned["base_version"])
        return cleaned

    def _refuse_stale_save(self, base_version):
        # The admin runs the whole save in one transaction: this lock holds until it commits.
        current = Article.objects.select_for_update().get(pk=self.instance.pk)
        if base_version == current.version:
            return
        base = revisions.revision_before(current, base_version)
        base_content = base.content if base else revisions.snapshot(current)
        latest_content = revisions.content_of(current)
        self.conflict = {
            "their_changes": revisions.compare(base_content, latest_content),
            "your_changes": revisions.compare(base_content, self.content()),
            "latest": current.latest_revision,
        }
        # Resubmitting now applies this form on top of the latest version, knowingly.
        self.data = self.data.copy()
        self.data[self.add_prefix("base_version")] = current.version
        raise forms.ValidationError(
            "Not saved: someone else saved this story while you were editing it "
            f"(you started from version {base_version}; it is now version {current.version}). "
            "Their changes and yours are shown below. Your text is still in the form: "
            "check it against theirs, then save again to apply yours on top.",
            code="stale",
        )
