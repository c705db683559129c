"""Forms of the desk: the article form saves through ``articles.revisions``, never directly."""

import copy
import math

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db.models import Case, IntegerField, When
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django_ckeditor_5.widgets import CKEditor5Widget

from articles import merge, revisions
from articles.admin.widgets import AutocompleteSelectMultiple, KeyCheckedMultipleChoiceField, can_be_key
from articles.models import Article, Author

# Beside the headline: the length search engines show. Google's results cut a title at about 600
# pixels, some 60 characters; its article markup (JSON-LD "headline") once capped at 110.
HEADLINE_RESULTS_LENGTH = 60
HEADLINE_MARKUP_LENGTH = 110
# Beside the body: reading time at 230 words a minute, the usual figure for adults reading news.
WORDS_PER_MINUTE = 230


def word_count(html):
    """The words a reader reads in a body: paragraph by paragraph, so "end.</p><p>Next" is two."""
    return sum(len(paragraph.split()) for paragraph in revisions.paragraphs(html))


def reading_minutes(words):
    return max(1, math.ceil(words / WORDS_PER_MINUTE)) if words else 0


def body_meter(html):
    """The words and reading time shown beside the body; desk_form.js keeps it current as you type."""
    words = word_count(html)
    return format_html(
        '<span class="text-meter" data-meter="body" data-words-per-minute="{}">'
        "<span data-meter-words>{}</span> words, about <span data-meter-minutes>{}</span> min to read"
        "</span>",
        WORDS_PER_MINUTE,
        words,
        reading_minutes(words),
    )


def headline_meter(headline):
    """The headline's length beside what search engines show of it; kept current by desk_form.js."""
    length = len(headline or "")
    return format_html(
        '<span class="text-meter" data-meter="headline" data-limit="{}">'
        "<span data-meter-length>{}</span> characters. Search results show about {}; "
        "Google's article markup takes up to {}."
        '<strong class="text-meter__over" data-meter-over{}> Too long for search results: '
        "readers will see it cut short.</strong></span>",
        HEADLINE_RESULTS_LENGTH,
        length,
        HEADLINE_RESULTS_LENGTH,
        HEADLINE_MARKUP_LENGTH,
        "" if length > HEADLINE_RESULTS_LENGTH else mark_safe(" hidden"),
    )


class OrderedModelMultipleChoiceField(KeyCheckedMultipleChoiceField):
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


LOST_VERSION = "The form lost track of the story's version: reload the page."


def _could_be_a_version(number):
    """Whether ``number`` (``None``: not sent) is a version some story could have."""
    field = Article._meta.get_field("version")
    return number is None or (number >= 1 and can_be_key(field, number))


class ArticleAdminForm(forms.ModelForm):
    """
    The article form. Its content fields start from the latest revision (so a live story's
    pending edit is what the desk sees), and ``base_version`` carries the version the editor
    opened: a save from a stale version is merged with what others saved since
    (``_merge_with_latest``), and a field both changed waits for this person's choice.
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
        error_messages={"invalid": LOST_VERSION},
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
            "audio",
            "topics",
            "publish_at",
            "expire_at",
        ]
        widgets = {"body": CKEditor5Widget(config_name="default")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None
        self.resolution = None
        self.merged_content = None  # set when a stale save merged cleanly: what save_model saves
        self.merge_note = ""  # what that merge kept from others, for the message after saving
        for name, model_field in [("author_list", "authors"), ("related_list", "related")]:
            field = self.fields[name]
            field.widget = AutocompleteSelectMultiple(Article._meta.get_field(model_field), admin.site)
            # A widget swapped in after the field was made has no choices; the autocomplete
            # renders the chosen options from them (the add form crashed without this).
            field.widget.choices = field.choices
        if self.instance.pk:
            content = self.shown_content()
            self.initial.update(
                # .get: a revision older than a field (the audio) leaves it empty.
                {field: content.get(field) for field in revisions.CONTENT_FIELDS},
                author_list=content["authors"],
                related_list=content["related"],
                base_version=self.instance.version,
            )
            self.fields["related_list"].queryset = _in_given_order(
                Article.objects.exclude(pk=self.instance.pk), content["related"]
            )
            self.fields["author_list"].queryset = _in_given_order(Author.objects.all(), content["authors"])
        self._show_meters()

    def shown_content(self):
        """What the form starts from: the latest revision (autosave's restore gives a working copy)."""
        return revisions.content_of(self.instance)

    def _show_meters(self):
        """Word count and reading time under the body, the headline's length under it: as on screen."""
        for name, meter in [("headline", headline_meter), ("body", body_meter)]:
            field = self.fields.get(name)
            if field is not None:
                bound = self[name]  # a bound field copies the help text when made: set both
                shown = meter(bound.value())
                help_text = format_html("{} {}", field.help_text, shown) if field.help_text else shown
                field.help_text = bound.help_text = help_text

    def content(self):
        """The submitted content, in revision form (merged with others' saves when it was stale)."""
        if self.merged_content is not None:
            return dict(self.merged_content)
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
            base_version = cleaned.get("base_version")
            # A version the story never had (a broken or tampered form) has nothing to merge with.
            if base_version is None or not 0 < base_version <= self.instance.version:
                raise forms.ValidationError(LOST_VERSION, code="no_version")
            self._merge_with_latest(cleaned["base_version"])
        elif self.instance.pk:
            self._keep_pending_resolution()
        elif not _could_be_a_version(cleaned.get("base_version")):
            # The add form has no version to keep (a story starts at 1), but a number no story
            # could have is a broken or tampered form: refused rather than ignored.
            raise forms.ValidationError(LOST_VERSION, code="no_version")
        return cleaned

    # --- a save from a stale form is merged, never applied blindly ------------------------------

    def _merge_with_latest(self, base_version):
        """
        Merge this submission with what others saved since the form was opened at ``base_version``.

        A field only they changed is taken from them, one only this person changed from the form
        (``articles.merge``). A field both changed differently waits for this person's choice,
        theirs, mine or an edit, and nothing saves until every such field has one: the form comes
        back with the clean part merged in, the choices, and ``base_version`` moved to the latest
        version, so the next submission is merged again with anything saved in between.
        """
        # The admin runs the whole save in one transaction: this lock holds until it commits, so
        # nobody saves between this merge and the save.
        current = Article.objects.select_for_update().get(pk=self.instance.pk)
        pending = [name for name in MERGED_FIELDS if self.data.get(f"{RESOLUTION_PREFIX}-{name}_base")]
        if base_version == current.version and not pending:
            return
        content_at = _ContentsAt(current)
        resolution = ConflictResolutionForm(self.data, names=pending, article_form=self)
        resolution.is_valid()
        chosen = resolution.cleaned_data
        base, mine = dict(content_at(base_version)), _comparable(self.content())
        bases = dict.fromkeys(MERGED_FIELDS, base_version)
        unresolved = set()
        for name in pending:
            choice = chosen.get(name)
            if choice == "theirs":
                # What they had when the conflict was shown: the merge then takes the latest
                # value, so a third person's change to this field since is kept too.
                mine[name] = base[name]
            elif choice == "mine" and f"{name}_mine" in chosen:
                mine[name] = resolution.value_of(f"{name}_mine")
            elif choice != "edit":
                # Not resolved yet: the conflict stands against the base it was found at.
                unresolved.add(name)
                bases[name] = chosen.get(f"{name}_base") or base_version
                base[name] = content_at(bases[name])[name]
                if f"{name}_mine" in chosen:
                    mine[name] = resolution.value_of(f"{name}_mine")
        theirs = _comparable(revisions.content_of(current))
        result = merge.three_way_merge(base, theirs, mine, fields=MERGED_FIELDS)
        latest = current.latest_revision
        if not result.conflicts:
            # Each side's times were valid; their times and yours together may not be.
            problem = revisions.schedule_problem(result.merged)
            if problem:
                raise forms.ValidationError(f"Not saved: merged with revision {latest.number}, {problem}")
            self.merged_content = result.merged
            self.cleaned_data["base_version"] = current.version
            resolved = [name for name in pending if name not in result.taken_from_theirs]
            if result.taken_from_theirs or resolved:
                self.merge_note = _merge_note(latest, result.taken_from_theirs, resolved)
            return
        self._show_for_resolution(current, result, bases, unresolved)
        names = ", ".join(revisions.FIELD_LABELS[name] for name in result.conflicts)
        raise forms.ValidationError(
            f"Not saved yet: revision {latest.number} by {latest.created_by or 'someone'} was saved "
            f"while you were editing, and you both changed {names}. For each, choose theirs, yours "
            "or your own edit in the form below, then save. Everything else is merged already.",
            code="conflict",
        )

    def _show_for_resolution(self, current, result, bases, unresolved):
        """Fill the form with the merged fields, and offer a choice for each conflicting one."""
        self.data = self.data.copy()
        for name, value in result.merged.items():
            if _form_name(name) in self.fields:
                self._show_value(_form_name(name), value)
        # Conflicting fields keep what was submitted: this person's text, or their edit so far.
        self.data[self.add_prefix("base_version")] = current.version
        for name in ("author_list", "related_list"):
            field = self.fields[name]
            field.queryset = _in_given_order(field.queryset, self.data.getlist(self.add_prefix(name)))
            field.widget.choices = field.choices
        self.resolution = ConflictResolutionForm(
            names=list(result.conflicts),
            article_form=self,
            initial={
                **{f"{name}_mine": conflict.mine for name, conflict in result.conflicts.items()},
                **{f"{name}_base": bases[name] for name in result.conflicts},
            },
        )
        self.conflict = {
            "latest": current.latest_revision,
            "rows": [
                {
                    **self.resolution.row(name),
                    "theirs": _change(conflict.base, conflict.theirs, name),
                    "mine": _change(conflict.base, conflict.mine, name),
                    "unresolved": name in unresolved,
                }
                for name, conflict in result.conflicts.items()
            ],
            "taken_from_theirs": [revisions.FIELD_LABELS[name] for name in result.taken_from_theirs],
        }

    def _show_value(self, name, value):
        """Put ``value`` in the submitted data as the widget of field ``name`` would send it."""
        bound = self[name]
        widget, value = bound.field.widget, bound.field.prepare_value(value)
        if isinstance(widget, forms.MultiWidget):
            for suffix, subwidget, part in zip(
                widget.widgets_names, widget.widgets, widget.decompress(value), strict=True
            ):
                self.data[bound.html_name + suffix] = subwidget.format_value(part) or ""
        elif isinstance(widget, forms.SelectMultiple):
            self.data.setlist(bound.html_name, [str(pk) for pk in value or []])
        else:
            self.data[bound.html_name] = "" if value is None else str(value)

    def _keep_pending_resolution(self):
        """Another field's error must not lose a conflict still to resolve: offer it again."""
        pending = [name for name in MERGED_FIELDS if self.data.get(f"{RESOLUTION_PREFIX}-{name}_base")]
        if pending:
            self.resolution = ConflictResolutionForm(self.data, names=pending, article_form=self)
            self.conflict = {"rows": [self.resolution.row(name) for name in pending]}


# Everything a revision holds, in the order the form shows it: the merge is over all of it.
MERGED_FIELDS = [*revisions.CONTENT_FIELDS, *revisions.ORDERED_RELATIONS]
RESOLUTION_PREFIX = "merge"
RELATION_FORM_FIELDS = {"authors": "author_list", "related": "related_list"}


def _form_name(name):
    return RELATION_FORM_FIELDS.get(name, name)


def _comparable(content):
    """
    ``content`` in one shape whether it came from a form or a stored revision: model values
    (a stored ISO time becomes a datetime, an id an int), text as a revision keeps it.
    """
    content = revisions.as_stored(content)
    shaped = {}
    for name in MERGED_FIELDS:
        value = content.get(name)
        if name in revisions.ORDERED_RELATIONS:
            shaped[name] = list(value or [])
        else:
            shaped[name] = Article._meta.get_field(name).to_python(value)
    return shaped


class _ContentsAt:
    """The content an editor saw at each version of ``article``, each looked up once."""

    def __init__(self, article):
        self.article, self.seen = article, {}

    def __call__(self, version):
        if version not in self.seen:
            revision = revisions.revision_before(self.article, version)
            content = revision.content if revision else revisions.snapshot(self.article)
            self.seen[version] = _comparable(content)
        return self.seen[version]


def _change(old, new, name):
    """The word diff of one field, or None when it did not change (reusing the revisions diff)."""
    changes = revisions.compare({name: old}, {name: new})
    return changes[0] if changes else None


def _merge_note(latest, taken_from_theirs, resolved):
    labels = lambda names: ", ".join(revisions.FIELD_LABELS[name] for name in names)  # noqa: E731
    parts = []
    if taken_from_theirs:
        parts.append(f"their changes to {labels(taken_from_theirs)} are kept with yours")
    if resolved:
        parts.append(f"your choice was saved for {labels(resolved)}")
    who = latest.created_by or "someone"
    return f"Merged with revision {latest.number} by {who}, saved while you were editing: {'; '.join(parts)}."


class ConflictResolutionForm(forms.Form):
    """
    The choice for each field both people changed, plus what "mine" was and the version its
    conflict was found at, carried in hidden fields (prefix ``merge-``) until it is resolved.
    """

    def __init__(self, *args, names, article_form, **kwargs):
        super().__init__(*args, prefix=RESOLUTION_PREFIX, **kwargs)
        for name in names:
            source = article_form.fields.get(_form_name(name))
            choices = [("theirs", "Keep theirs"), ("mine", "Keep yours")]
            if source is not None:
                choices.append(("edit", f"Use the {revisions.FIELD_LABELS[name].lower()} as now in the form"))
                mine = copy.deepcopy(source)
                mine.required = False
                multiple = isinstance(source, forms.ModelMultipleChoiceField)
                mine.widget = forms.MultipleHiddenInput() if multiple else forms.HiddenInput()
                self.fields[f"{name}_mine"] = mine
            self.fields[name] = forms.ChoiceField(
                label=revisions.FIELD_LABELS[name],
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose theirs, yours or your edit."},
            )
            self.fields[f"{name}_base"] = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def value_of(self, key):
        """A cleaned "mine" value in revision form (ids, not objects)."""
        value = self.cleaned_data[key]
        if isinstance(value, list):
            return [getattr(item, "pk", item) for item in value]
        return getattr(value, "pk", value)

    def row(self, name):
        hidden = [self[key] for key in (f"{name}_mine", f"{name}_base") if key in self.fields]
        return {"name": name, "label": revisions.FIELD_LABELS[name], "choice": self[name], "hidden": hidden}


class RescheduleForm(forms.Form):
    """New embargo and take-down times for an approved story; the workflow checks them again."""

    publish_at = forms.SplitDateTimeField(
        label="Embargo until",
        required=False,
        widget=AdminSplitDateTime,
        help_text="Site time zone. A scheduled story goes live at this time.",
    )
    expire_at = forms.SplitDateTimeField(
        label="Take down at",
        required=False,
        widget=AdminSplitDateTime,
        help_text="Site time zone. Leave empty to keep the story up.",
    )
    comment = forms.CharField(
        label="Reason for the new times", widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )

    def __init__(self, *args, article, **kwargs):
        initial = {"publish_at": article.publish_at, "expire_at": article.expire_at}
        super().__init__(*args, initial=initial, **kwargs)
        if article.status != Article.Status.SCHEDULED:
            # Readers already have a live story: only its take-down time can change.
            del self.fields["publish_at"]
        self.article = article

    def clean(self):
        cleaned = super().clean()
        cleaned.setdefault("publish_at", self.article.publish_at)
        return cleaned
