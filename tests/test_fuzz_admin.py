"""
Hostile input in the desk (issue 14, part 8): an editor who posts an oversized or invalid value
in any admin form gets the form back with an error on that field, never a 500, and nothing is
saved. The admin's lists take hostile query strings the same way.

Each form is posted with valid values but for one or two fields, broken in a way their type
allows: text over its length or with a NUL, dates that do not exist, choices that are not there,
numbers out of every range. The fields come from the form the admin builds, so a new field is
fuzzed without being listed; a model an editor may add or change with no valid data here fails
``test_every_editor_form_is_fuzzed``.
"""

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from articles import recordings
from articles.models import Article, Audio, Author, Photo, PhotoCredit, Section, Topic
from banners.models import Banner
from live.models import LiveCoverage, LivePost
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    BannerFactory,
    EditorFactory,
    PhotoCreditFactory,
    PublishedArticleFactory,
    SectionFactory,
    image_bytes,
    stored_state,
    uploaded_photo,
)
from tests.hostile_input import FUZZ, NASTY, TEN_THOUSAND, any_text, hostile_number, query_string
from tests.live_support import live_story
from tests.test_audio import wav_bytes
from tests.test_banners_admin import form_data as banner_form_data

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


# --- valid data for each form an editor uses ----------------------------------------------------


def _article_data(article, section):
    return {
        "headline": article.headline if article else "A valid headline",
        "slug": article.slug if article else "a-valid-headline",
        "section": section.pk,
        "summary": "A summary.",
        "anchor_lead": "The anchor's lead.",
        "body": "<p>The story.</p>",
        "lead_photo": "",
        "author_list": [],
        "related_list": [],
        "publish_at_0": "",
        "publish_at_1": "",
        "expire_at_0": "",
        "expire_at_1": "",
        "revision_message": "",
        **({"base_version": article.version} if article else {}),
    }


def _audio_data(recording):
    data = {"title": "The evening bulletin", "credit": "Newsroom Radio"}
    if recording is None:
        data["recording"] = SimpleUploadedFile("report.wav", wav_bytes(), content_type="audio/wav")
    return data


def _a_recording():
    return recordings.audio_create(content=wav_bytes(), name="report.wav", title="A report", credit="Radio")


def _photo_data(photo, credit):
    data = {
        "credit": credit.pk,
        "caption": "A caption",
        "alt_text": "Alt text",
        "focal_x": "0.5",
        "focal_y": "0.5",
    }
    if photo is None:
        data["upload"] = SimpleUploadedFile("photo.jpg", image_bytes(), content_type="image/jpeg")
    return data


# (model, "add" or "change") -> (make the object to change or None, valid data for it).
FORMS = {
    (Article, "add"): (lambda: None, lambda obj: _article_data(None, SectionFactory())),
    (Article, "change"): (lambda: ArticleFactory(), lambda obj: _article_data(obj, obj.section)),
    (Photo, "add"): (lambda: None, lambda obj: _photo_data(None, PhotoCreditFactory())),
    (Photo, "change"): (lambda: uploaded_photo(), lambda obj: _photo_data(obj, obj.credit)),
    (Section, "add"): (lambda: None, lambda obj: {"name": "Culture", "slug": "culture", "position": "3"}),
    (Section, "change"): (
        lambda: SectionFactory(),
        lambda obj: {"name": obj.name, "slug": obj.slug, "position": str(obj.position)},
    ),
    (Author, "add"): (
        lambda: None,
        lambda obj: {"name": "Kim Reporter", "slug": "kim-reporter", "affiliation": "Desk", "user": ""},
    ),
    (Author, "change"): (
        lambda: AuthorFactory(),
        lambda obj: {"name": obj.name, "slug": obj.slug, "affiliation": obj.affiliation, "user": ""},
    ),
    (PhotoCredit, "add"): (lambda: None, lambda obj: {"name": "Wire Agency"}),
    (PhotoCredit, "change"): (lambda: PhotoCreditFactory(), lambda obj: {"name": obj.name}),
    (Audio, "add"): (lambda: None, lambda obj: _audio_data(None)),
    (Audio, "change"): (_a_recording, _audio_data),
    (Topic, "add"): (lambda: None, lambda obj: {"name": "Elections", "slug": "elections", "description": ""}),
    (Topic, "change"): (
        lambda: Topic.objects.create(name="Harbour", slug="harbour"),
        lambda obj: {"name": obj.name, "slug": obj.slug, "description": obj.description},
    ),
    (LiveCoverage, "add"): (
        lambda: None,
        lambda obj: {"article": PublishedArticleFactory().pk, "reporter_posts_need_approval": "on"},
    ),
    (Banner, "add"): (lambda: None, lambda obj: banner_form_data(PublishedArticleFactory())),
    (Banner, "change"): (
        lambda: BannerFactory(),
        lambda obj: banner_form_data(obj.article, section=obj.section, text=obj.text),
    ),
}


def form_id(key):
    model, action = key
    return f"{model._meta.model_name}_{action}"


@pytest.fixture
def editor(client):
    user = EditorFactory()
    client.force_login(user)
    return user


@pytest.fixture
def desk_form(request, client, editor):
    """The form to fuzz: its URL, valid data, the admin's form (for its fields) and a snapshot."""
    model, action = request.param
    make_object, valid_data = FORMS[request.param]
    obj = make_object()
    info = model._meta.app_label, model._meta.model_name
    url = reverse(f"admin:{info[0]}_{info[1]}_{action}", args=[obj.pk] if obj else [])
    response = client.get(url)
    assert response.status_code == 200
    return {
        "url": url,
        "object": obj,
        "valid": lambda: valid_data(obj),
        "fields": response.context["adminform"].form.fields,
    }


# --- invalid values, by the type of the form field --------------------------------------------

nul_text = st.builds(lambda before, after: f"{before}\x00{after}", any_text(20), any_text(20))
bad_dates = st.sampled_from(
    ["2024-02-30", "2024-13-01", "0000-01-01", "10000-01-01", "99999-12-31", "-1-01-01", "2024/01/01", "\x00"]
)
bad_times = st.sampled_from(["25:00", "12:61", "24:00:01", "-1:00", "noon", "12:00:00.99999999999", "\x00"])
bad_pks = st.one_of(
    st.sampled_from([HUGE, "-" + HUGE, "0", "-1", "1.5", "abc", "\x00", " ", "999999"]), nul_text
)


def _too_long(max_length):
    return st.builds(
        lambda char, extra: char * (max_length + extra),
        st.sampled_from(["a", "é", "😀", "경", "\u202e"]),
        st.one_of(st.integers(1, 50), st.just(TEN_THOUSAND)),
    )


def invalid_values(name, field):
    """A strategy of ``{posted name: value}`` that ``field`` must refuse, or None if it has none."""
    if isinstance(field, forms.SplitDateTimeField):
        return st.one_of(
            st.builds(lambda d: {f"{name}_0": d, f"{name}_1": "12:00"}, bad_dates),
            st.builds(lambda t: {f"{name}_0": "2024-05-01", f"{name}_1": t}, bad_times),
        )
    if isinstance(field, forms.DateTimeField | forms.DateField):
        return bad_dates.map(lambda d: {name: d})
    if isinstance(field, forms.ModelMultipleChoiceField):
        return st.lists(bad_pks, min_size=1, max_size=3).map(lambda pks: {name: pks})
    if isinstance(field, forms.ModelChoiceField):
        return bad_pks.map(lambda pk: {name: pk})
    if isinstance(field, forms.ChoiceField):
        return st.sampled_from(["no-such-choice", "\x00", HUGE]).map(lambda v: {name: v})
    if isinstance(field, forms.FloatField | forms.DecimalField):
        numbers = st.sampled_from(["nan", "inf", "-inf", "1e400", "-1", "2", "abc", "\x00", HUGE])
        return numbers.map(lambda v: {name: v})
    if isinstance(field, forms.IntegerField):
        numbers = st.one_of(st.sampled_from(["abc", "1.5", "nan", "\x00", HUGE, "-" + HUGE]), nul_text)
        return numbers.map(lambda v: {name: v})
    if isinstance(field, forms.FileField):
        junk = st.one_of(
            st.binary(max_size=200), st.sampled_from([b"", b"GIF89a", b"\x89PNG\r\n\x1a\n" + b"\0" * 40])
        )
        names = st.one_of(
            st.sampled_from(["a.jpg", "\x00.png", "😀.gif", "a" * 300 + ".jpg", ".jpg"]), any_text()
        )
        # The test client needs a name it can write: "x" before it, lone surrogates replaced.
        return st.builds(
            lambda data, file_name: {name: SimpleUploadedFile(_replaced("x" + file_name), data)}, junk, names
        )
    if isinstance(field, forms.CharField):
        values = [nul_text]
        if field.max_length:
            values.append(_too_long(field.max_length))
        if isinstance(field, forms.SlugField):
            values.append(
                st.sampled_from(["with space", "a/b", "..", "ü-nicode" if not field.allow_unicode else "a b"])
            )
        return st.one_of(values).map(lambda v: {name: v})
    return None  # a checkbox, say: every value means something


def breakable(fields):
    return sorted(name for name, field in fields.items() if invalid_values(name, field) is not None)


# --- nothing saved ----------------------------------------------------------------------------


def snapshot(obj):
    """Every row count of the newsroom's models, the files stored, and the object's own values."""
    counts = {
        model._meta.label: model.objects.count() for model in apps.get_app_config("articles").get_models()
    }
    values = None
    if obj is not None:
        fresh = type(obj).objects.get(pk=obj.pk)
        values = {key: str(value) for key, value in model_to_dict(fresh).items()}
    return counts, stored_state()[0], values


def post(client, url, posted):
    """
    ``posted`` as a browser sends it: multipart with a file (lone surrogates then become U+FFFD,
    as a browser makes them), else a urlencoded body, where they stay invalid UTF-8.
    """
    if any(isinstance(value, SimpleUploadedFile) for value in posted.values()):
        return client.post(url, {key: _replaced(value) for key, value in posted.items()})
    pairs = [
        (key, str(v))
        for key, value in posted.items()
        for v in (value if isinstance(value, list) else [value])
    ]
    return client.generic("POST", url, query_string(pairs), content_type="application/x-www-form-urlencoded")


def _replaced(value):
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode()
    if isinstance(value, list):
        return [_replaced(v) for v in value]
    return value


def field_errors(response):
    form = response.context["adminform"].form
    return form.errors


# --- the tests ------------------------------------------------------------------------------


# Change pages that are not the admin's model form, each fuzzed by its own test here.
OWN_CHANGE_PAGES = {LiveCoverage: "test_the_live_desks_quick_post_refuses_what_it_cannot_take"}


def test_every_editor_form_is_fuzzed():
    """A model an editor may add or change through the admin needs its valid data in FORMS."""
    editor = EditorFactory()
    for model, model_admin in admin.site._registry.items():
        request = type("Request", (), {"user": editor})()
        for action in ("add", "change"):
            allowed = getattr(model_admin, f"has_{action}_permission")(request)
            if allowed and not (action == "change" and model in OWN_CHANGE_PAGES):
                assert (model, action) in FORMS, f"{model._meta.label} {action}: add its valid data to FORMS"


@pytest.mark.parametrize("desk_form", list(FORMS), ids=form_id, indirect=True)
def test_the_valid_data_saves(client, desk_form):
    """The baseline the fuzzing breaks is itself valid: any error then comes from the broken field."""
    response = client.post(desk_form["url"], desk_form["valid"]())

    assert response.status_code == 302, field_errors(response)


@pytest.mark.parametrize("desk_form", list(FORMS), ids=form_id, indirect=True)
@FUZZ
@given(data=st.data())
def test_an_invalid_value_is_a_field_error_and_saves_nothing(client, desk_form, data):
    fields = desk_form["fields"]
    broken = data.draw(st.lists(st.sampled_from(breakable(fields)), min_size=1, max_size=2, unique=True))
    posted = desk_form["valid"]()
    for name in broken:
        posted.update(data.draw(invalid_values(name, fields[name]), label=name))
    before = snapshot(desk_form["object"])

    response = post(client, desk_form["url"], posted)

    assert response.status_code == 200, (response.status_code, broken)
    errors = field_errors(response)
    # A hidden field's error is said above the form, where the editor sees it.
    hidden = {name for name in broken if fields[name].widget.is_hidden}
    assert set(broken) & set(errors) or (hidden and NON_FIELD_ERRORS in errors), (broken, errors)
    assert snapshot(desk_form["object"]) == before


@FUZZ
@given(data=st.data())
def test_the_live_desks_quick_post_refuses_what_it_cannot_take(client, editor, data):
    """The live story's own change page, the desk: a broken quick post is a field error, not a post."""
    coverage, _, _ = live_story(editor=editor)
    url = reverse("admin:live_livecoverage_change", args=[coverage.pk])
    fields = client.get(url).context["form"].fields
    broken = data.draw(st.lists(st.sampled_from(breakable(fields)), min_size=1, max_size=2, unique=True))
    posted = {"do": "post", "post-title": "Polls open", "post-body": "<p>Queues at every station.</p>"}
    for name in broken:
        posted.update(
            {f"post-{key}": value for key, value in data.draw(invalid_values(name, fields[name])).items()}
        )
    posts = LivePost.objects.count()

    response = post(client, url, posted)

    assert response.status_code == 200, (response.status_code, broken)
    assert set(broken) & set(response.context["form"].errors), (broken, response.context["form"].errors)
    assert LivePost.objects.count() == posts


# --- a story too large to post ----------------------------------------------------------------


@pytest.mark.parametrize("desk_form", [(Article, "add"), (Article, "change")], ids=form_id, indirect=True)
def test_a_body_of_several_megabytes_is_refused_with_a_page_saying_so(client, desk_form):
    posted = {**desk_form["valid"](), "body": "<p>" + "Long story. " * 400_000 + "</p>"}  # 4.8 MB
    before = snapshot(desk_form["object"])

    response = client.post(desk_form["url"], posted)

    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert snapshot(desk_form["object"]) == before


# --- the admin's lists, with hostile query strings --------------------------------------------

LIST_PARAMS = {
    "q": st.one_of(st.sampled_from(NASTY), any_text(300)),
    "o": st.one_of(st.sampled_from(["1", "-1", "1.2.3", "99", "-0", "abc", "1." * 500]), hostile_number()),
    "p": hostile_number(),
    "e": st.sampled_from(["1", "x"]),
    "all": st.just(""),
    "created_at__year": hostile_number(),
    "created_at__month": hostile_number(),
    "created_at__day": hostile_number(),
    "status__exact": st.one_of(st.sampled_from(["draft", "published", "\x00"]), any_text()),
    "section__id__exact": hostile_number(),
    "credit__id__exact": hostile_number(),
    "id__in": st.one_of(st.sampled_from(["1,2", ",", "1,abc", HUGE, "\x00"]), any_text()),
    "alt_text": st.sampled_from(["missing", "present", "\x00", "x"]),
    "queue": any_text(),
    "story": any_text(),
    "_to_field": st.sampled_from(["id", "password", "\x00"]),
    "_popup": st.sampled_from(["1", "\x00"]),
}

LISTS = ["article", "photo", "photocredit", "section", "author", "workflowevent"]


@pytest.mark.parametrize("model_name", LISTS)
@FUZZ
@given(data=st.data())
@example(data=None)
@example(data="id__in")  # found: ?id__in=<30 digits> was an OverflowError on SQLite
def test_hostile_list_filters_never_get_a_500(client, editor, model_name, data):
    url = reverse(f"admin:articles_{model_name}_changelist")
    if data is None:  # the explicit example: a NUL in the search box (PostgreSQL refuses it)
        params = {"q": "a\x00b"}
    elif data == "id__in":
        params = {"_popup": "1", "_to_field": "id", "id__in": HUGE}
    else:
        names = data.draw(st.lists(st.sampled_from(sorted(LIST_PARAMS)), max_size=4, unique=True))
        params = {name: data.draw(LIST_PARAMS[name], label=name) for name in names}

    response = client.get(f"{url}?{query_string(params.items())}")

    assert response.status_code < 500
    if response.status_code == 200:
        assert b"Traceback" not in response.content
