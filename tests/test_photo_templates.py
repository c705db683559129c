"""Photos on the reader pages: <picture> with renditions, credits, og:image, and what they cost."""

import re

import pytest
from django import forms
from django.contrib.staticfiles import finders
from django.template import Context, Template
from django.templatetags.static import static

from articles import renditions
from articles.admin.widgets import FocalPointFormMixin, FocalPointWidget
from articles.models import EditorsPick, Photo
from articles.templatetags.photos import PLACEHOLDER, with_photo_credits
from tests.factories import (
    AuthorFactory,
    EditorFactory,
    PhotoCreditFactory,
    PhotoFactory,
    PublishedArticleFactory,
    SectionFactory,
)
from tests.test_renditions import photo_file

pytestmark = pytest.mark.django_db


def big_photo(size=(1600, 900), credit="Harbour Press Agency", **kwargs):
    return PhotoFactory(image=photo_file(size), credit=PhotoCreditFactory(name=credit), **kwargs)


def tags(content, name):
    """Every ``<name ...>`` start tag in ``content``, as {attribute: value} dicts."""
    found = []
    for tag in re.findall(rf"<{name}\b[^>]*>", content):
        found.append(dict(re.findall(r'([\w-]+)="([^"]*)"', tag)))
    return found


def lead_figure(content):
    return re.search(r'<figure class="photo">.*?</figure>', content, re.DOTALL)[0]


@pytest.fixture
def story():
    section = SectionFactory(name="Politics", slug="politics")
    related = PublishedArticleFactory(
        section=section, lead_photo=big_photo((1200, 1200), credit="Card Agency")
    )
    return PublishedArticleFactory(
        section=section,
        lead_photo=big_photo(alt_text="Leaders shake hands", caption="The two leaders met."),
        related_articles=[related],
        body="<p>The report.</p>",
    )


# --- The lead photo ---------------------------------------------------------------------------


def test_lead_photo_is_a_picture_with_webp_and_jpeg_srcsets(client, story):
    content = client.get(story.get_absolute_url()).content.decode()
    figure = lead_figure(content)
    photo = story.lead_photo

    [source] = tags(figure, "source")
    [img] = tags(figure, "img")
    assert source["type"] == "image/webp"
    assert source["srcset"] == renditions.rendition_set(photo).srcset("webp")
    assert source["srcset"].count("w, ") == 4 and "1600w.webp 1600w" in source["srcset"]
    assert img["srcset"] == renditions.rendition_set(photo).srcset("jpeg")
    assert img["sizes"] == source["sizes"] == "(min-width: 46rem) 42rem, 100vw"
    # The space is kept before the image loads: the rendition's own width and height.
    assert (img["width"], img["height"]) == ("960", "540")
    assert img["src"].endswith("/960w.jpg")
    assert (img["loading"], img["fetchpriority"], img["decoding"]) == ("eager", "high", "async")
    assert img["alt"] == "Leaders shake hands"
    assert "Photo : Harbour Press Agency" in figure
    assert "The two leaders met." in figure


def test_cards_use_the_lazy_16_9_crop_with_their_credit(client, story):
    content = client.get(story.get_absolute_url()).content.decode()
    related = content[content.index("Related News") :]
    card_photo = story.related.get().lead_photo

    [source] = tags(related, "source")
    [img] = tags(related, "img")
    assert source["srcset"] == renditions.rendition_set(card_photo, crop="16x9").up_to(640).srcset("webp")
    assert "/16x9-500-500-" in img["src"]
    assert img["loading"] == "lazy" and "fetchpriority" not in img
    assert int(img["width"]) * 9 == int(img["height"]) * 16
    assert img["sizes"] == "6.5rem"
    assert "Photo : Card Agency" in related


def test_compact_cards_offer_thumbnails_no_wider_than_640(client, story):
    content = client.get(story.get_absolute_url()).content.decode()
    related = content[content.index("Related News") :]

    [source] = tags(related, "source")
    [img] = tags(related, "img")
    widths = [int(candidate.split()[-1].rstrip("w")) for candidate in source["srcset"].split(", ")]
    assert widths == [320, 640]
    assert img["src"].endswith("640w.jpg") and img["srcset"].endswith("640w.jpg 640w")


def test_home_top_story_loads_eagerly_and_the_rest_lazily(client):
    section = SectionFactory()
    for _ in range(3):
        PublishedArticleFactory(section=section, lead_photo=big_photo())

    content = client.get("/").content.decode()

    images = tags(content[content.index("<main") :], "img")  # the photos; the header has the logo
    assert [img["loading"] for img in images] == ["eager"] + ["lazy"] * (len(images) - 1)
    assert images[0]["fetchpriority"] == "high"
    assert all(img.get("srcset") and img.get("sizes") and img.get("width") for img in images)
    assert content.count("Photo : Harbour Press Agency") == len(images)


def test_og_image_is_the_1200_wide_16_9_crop(client):
    photo = big_photo((2400, 1600), focal_x=0.25, focal_y=0.5)
    article = PublishedArticleFactory(lead_photo=photo)

    content = client.get(article.get_absolute_url()).content.decode()

    social = renditions.social_image(photo)
    assert f'<meta property="og:image" content="http://testserver{social.url}">' in content
    assert re.search(r"/renditions/[^/]+/16x9-250-500-1200w\.jpg", social.url)
    assert '<meta property="og:image:width" content="1200">' in content
    assert '<meta property="og:image:height" content="675">' in content
    assert '<meta property="og:image:type" content="image/jpeg">' in content


def test_photo_of_unknown_size_is_shown_as_it_is():
    photo = big_photo()
    photo.width = photo.height = None

    html = Template("{% load photos %}{% picture photo %}").render(Context({"photo": photo}))

    assert "<picture>" not in html and "srcset" not in html
    assert f'src="{photo.image.url}"' in html


def test_picture_markup_follows_every_change_to_the_photo():
    # The markup is remembered per process (photos.picture_html), by everything it is made from.
    photo = big_photo(alt_text="Before")
    picture = Template('{% load photos %}{% picture photo crop="1x1" %}')

    def render():
        return picture.render(Context({"photo": photo}))

    before = render()
    photo.focal_x, photo.focal_y = 0.1, 0.9
    assert render() == before  # the crops of the old focal point until the new ones are made
    photo.renditions_focal_x, photo.renditions_focal_y = 0.1, 0.9
    moved = render()
    photo.alt_text = "After"
    relabelled = render()

    assert before != moved and "-100-900-" in moved and "-100-900-" not in before
    assert 'alt="After"' in relabelled and 'alt="Before"' in moved
    assert render() == relabelled
    # A box chosen for the crop and made: its files, not those around the focal point.
    photo.renditions_crop_boxes = {**photo.renditions_crop_boxes, "1x1": [100, 0, 900, 900]}
    assert "1x1-box-100-0-900-900-" in render()


# --- Photos in the body -----------------------------------------------------------------------


def test_body_photo_in_a_figure_gets_renditions_and_its_credit():
    photo = big_photo((1200, 800), credit="Body Agency", alt_text="Stored alt")
    body = (
        f'<p>Before.</p><figure><img src="{photo.image.url}" alt="A crowd">'
        "<figcaption>The square at noon.</figcaption></figure>"
    )

    html = with_photo_credits(body)

    assert html.startswith('<p>Before.</p><figure class="photo photo--body"><picture>')
    [img] = tags(html, "img")
    assert img["srcset"] == renditions.rendition_set(photo).srcset("jpeg")
    assert (img["width"], img["height"], img["loading"]) == ("960", "640", "lazy")
    assert img["alt"] == "A crowd"
    assert (
        '<figcaption><span class="photo__caption">The square at noon.</span>'
        '<span class="credit">Photo : Body Agency</span></figcaption></figure>'
    ) in html


def test_body_photo_alone_in_a_paragraph_becomes_a_figure_and_inline_ones_stay_inline():
    photo = big_photo(credit="Body Agency", alt_text="Stored alt")
    body = f'<p><img src="{photo.image.url}"></p><p>Text <img src="{photo.image.url}" alt=""> more.</p>'

    html = with_photo_credits(body)

    assert html.count("<figure") == 1 and "<p><figure" not in html
    assert '<p>Text <span class="photo photo--inline"><picture>' in html
    assert html.count("Photo : Body Agency") == 2
    assert [img["alt"] for img in tags(html, "img")] == ["Stored alt", "Stored alt"]


def test_body_images_that_are_not_our_photos_are_left_alone():
    body = '<p><img src="/media/unknown.jpg" alt="x"></p><p>No photo here.</p>'

    assert with_photo_credits(body) == body


def test_body_rewrite_emits_only_escaped_values_it_parsed():
    photo = big_photo(credit='Agency <b>"Bold"</b>')
    # Not what the sanitizer would store, to show the rewrite passes nothing else of the tag on.
    hostile = 'onerror="alert(1)" alt="&quot;&gt;&lt;script&gt;x" data-x=\'y\''
    body = f'<p><img src="{photo.image.url}" {hostile}></p>'

    html = with_photo_credits(body)

    assert "onerror" not in html and "data-x" not in html and "<script" not in html
    assert 'alt="&quot;&gt;&lt;script&gt;x"' in html
    assert "Photo : Agency &lt;b&gt;&quot;Bold&quot;&lt;/b&gt;" in html


def test_body_without_images_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert with_photo_credits("<p>Just words.</p>") == "<p>Just words.</p>"
        with_photo_credits('<p><img src="https://elsewhere.example/x.jpg"></p>')


def test_article_page_shows_body_photos_with_credits(client):
    photo = big_photo(credit="Body Agency")
    article = PublishedArticleFactory(body=f'<figure><img src="{photo.image.url}" alt="A"></figure>')

    content = client.get(article.get_absolute_url()).content.decode()

    body = content[content.index("Report:") :]
    assert '<figure class="photo photo--body"><picture>' in body
    assert "Photo : Body Agency" in body


# --- Query budgets ----------------------------------------------------------------------------


def story_with_everything(count, body):
    section = SectionFactory()
    others = [PublishedArticleFactory(section=section, lead_photo=big_photo()) for _ in range(count)]
    article = PublishedArticleFactory(
        section=section,
        lead_photo=big_photo(),
        authors=[AuthorFactory() for _ in range(count or 1)],
        related_articles=others,
        body=body,
    )
    for position, other in enumerate(others):
        EditorsPick.objects.create(article=other, position=position)
    return article


@pytest.mark.parametrize("count", [0, 5])
def test_article_page_budget_is_six_queries_without_body_photos(client, django_assert_max_num_queries, count):
    article = story_with_everything(count, "<p>No photos in this report.</p>")

    # The story with its bylines and topics, the section menu and the breaking-news banner;
    # Related News and the picks each choose their stories' ids, then both blocks' cards are
    # read at once (not when there are none).
    with django_assert_max_num_queries(6 if count else 5):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count("srcset=") >= 2 * (1 + count)


@pytest.mark.parametrize("count", [1, 4])
def test_article_page_budget_is_seven_queries_with_body_photos(client, django_assert_max_num_queries, count):
    photos = [big_photo(credit=f"Body Agency {n}") for n in range(count)]
    body = "".join(f'<figure><img src="{photo.image.url}" alt=""></figure>' for photo in photos)
    article = story_with_everything(3, body)

    with django_assert_max_num_queries(7):  # the six above, and the body's photos in one
        response = client.get(article.get_absolute_url())
    content = response.content.decode()
    assert all(f"Photo : Body Agency {n}" in content for n in range(count))


# --- The focal point widget -------------------------------------------------------------------


class PhotoForm(FocalPointFormMixin, forms.ModelForm):
    class Meta:
        model = Photo
        fields = ["focal_x", "focal_y", "caption", "alt_text", "credit"]


def test_focal_point_widget_shows_the_photo_and_two_number_inputs():
    photo = big_photo(focal_x=0.8, focal_y=0.25)

    html = str(PhotoForm(instance=photo))

    assert isinstance(PhotoForm(instance=photo).fields["focal_x"].widget, FocalPointWidget)
    assert 'data-focal-point data-y-name="focal_y"' in html
    assert f'<img class="focal-point__image" src="{photo.image.url}"' in html
    assert 'style="left: 80.0%; top: 25.0%"' in html
    # Without JavaScript: two number inputs, from 0 to 1.
    for name in ("focal_x", "focal_y"):
        [field] = [tag for tag in tags(html, "input") if tag.get("name") == name]
        assert (field["type"], field["min"], field["max"]) == ("number", "0", "1")
    media = str(PhotoForm().media)
    assert "admin/focal_point/focal_point.js" in media and "admin/focal_point/focal_point.css" in media


def test_focal_point_widget_on_the_add_form_has_no_preview_yet():
    html = str(PhotoForm())

    assert 'class="focal-point__preview" tabindex="0" role="group" aria-label="Focal point" hidden' in html


def test_focal_point_widget_keeps_a_prefix():
    html = str(PhotoForm(prefix="photo"))

    assert 'data-y-name="photo-focal_y"' in html


def test_saving_a_new_focal_point_makes_new_crops(django_capture_on_commit_callbacks):
    photo = big_photo(focal_x=0.5, focal_y=0.5)
    renditions.make_renditions(photo)
    old = renditions.rendition_set(photo, crop="1x1").renditions
    data = {
        "focal_x": "0.9",
        "focal_y": "0.5",
        "caption": photo.caption,
        "alt_text": photo.alt_text,
        "credit": photo.credit.pk,
    }
    form = PhotoForm(data, instance=photo)
    assert form.is_valid(), form.errors

    with django_capture_on_commit_callbacks(execute=True):
        photo = form.save()
        renditions.make_renditions_later(photo)
        # Until the task has run, pages keep the crops that exist.
        assert renditions.rendition_set(photo, crop="1x1").renditions == old

    photo.refresh_from_db()
    new = renditions.rendition_set(photo, crop="1x1").renditions
    assert {r.name for r in new}.isdisjoint({r.name for r in old})
    assert all(photo.image.storage.exists(r.name) for r in new)


# --- In the admin ------------------------------------------------------------------------------


@pytest.fixture
def desk(client):
    client.force_login(EditorFactory())
    return client


def test_admin_change_form_has_the_focal_point_widget(desk):
    photo = big_photo(focal_x=0.2, focal_y=0.7)

    content = desk.get(f"/admin/articles/photo/{photo.pk}/change/").content.decode()

    assert 'data-focal-point data-y-name="focal_y"' in content
    assert f'<img class="focal-point__image" src="{photo.image.url}"' in content
    assert 'style="left: 20.0%; top: 70.0%"' in content
    assert "admin/focal_point/focal_point.js" in content


def test_admin_add_form_has_the_widget_without_a_preview_yet(desk):
    content = desk.get("/admin/articles/photo/add/").content.decode()

    assert "data-focal-point" in content and 'aria-label="Focal point" hidden' in content


def test_admin_saving_a_new_focal_point_makes_new_crops(desk, django_capture_on_commit_callbacks):
    photo = big_photo((1600, 1200), focal_x=0.5, focal_y=0.5)
    renditions.make_renditions(photo)
    old = {r.name for r in renditions.rendition_set(photo, crop="1x1").renditions}
    data = {"credit": photo.credit.pk, "caption": "", "alt_text": "x", "focal_x": "0.9", "focal_y": "0.5"}

    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(f"/admin/articles/photo/{photo.pk}/change/", data)

    assert response.status_code == 302
    photo.refresh_from_db()
    new = renditions.rendition_set(photo, crop="1x1").renditions
    assert {r.name for r in new}.isdisjoint(old)
    assert all(photo.image.storage.exists(r.name) for r in new)
    social = renditions.social_image(photo)
    assert "16x9-900-500" in social.name and photo.image.storage.exists(social.name)


# --- Until the renditions exist -----------------------------------------------------------------


def pending(photo):
    """``photo`` as its upload left it: its renditions' task has not run yet."""
    Photo.objects.filter(pk=photo.pk).update(renditions_focal_x=None, renditions_focal_y=None)
    photo.refresh_from_db()
    return photo


def photo_images(content, photo):
    """The <img> tags showing ``photo``, by their alt text (each photo here has its own)."""
    return [img for img in tags(content, "img") if img.get("alt") == photo.alt_text]


def test_until_its_renditions_exist_a_photo_is_a_placeholder_of_its_size(client, story):
    lead, card = pending(story.lead_photo), pending(story.related.get().lead_photo)
    inline = pending(big_photo((1200, 800), alt_text="The crowd"))
    story.body = f'<p>The report.</p><figure><img src="{inline.image.url}" alt=""></figure>'
    story.save()

    before = client.get(story.get_absolute_url())
    for photo in (lead, card, inline):
        Photo.objects.filter(pk=photo.pk).update(renditions_focal_x=0.5, renditions_focal_y=0.5)
    after = client.get(story.get_absolute_url())

    assert before.status_code == 200
    content = before.content.decode()
    assert "/renditions/" not in content  # no address of a file that is not there yet
    placeholder = static(PLACEHOLDER)
    assert finders.find(PLACEHOLDER)
    for photo in (lead, card, inline):
        [waiting] = photo_images(content, photo)
        [made] = photo_images(after.content.decode(), photo)
        assert waiting["src"] == placeholder and "srcset" not in waiting
        assert "/renditions/" in made["srcset"]
        # The space the photo will take, and what it shows to those who cannot see it.
        assert (waiting["width"], waiting["height"]) == (made["width"], made["height"])
        assert waiting["alt"] == photo.alt_text
    # Shared previews name the served image, which exists from the upload on.
    og_image = re.search(r'<meta property="og:image" content="([^"]+)"', content)[1]
    assert og_image.endswith(lead.image.url) and lead.image.storage.exists(lead.image.name)


def test_the_desk_sees_a_photo_whose_renditions_are_not_made(desk):
    photo = pending(big_photo())

    listing = desk.get("/admin/articles/photo/")
    change = desk.get(f"/admin/articles/photo/{photo.pk}/change/")

    for response in (listing, change):
        assert response.status_code == 200
        assert f'src="{photo.image.url}"' in response.content.decode()  # the served image, always there


def test_readers_get_the_full_srcset_once_the_task_ran(
    client, page_cache, django_capture_on_commit_callbacks
):
    photo = pending(big_photo(alt_text="Leaders shake hands"))
    story = PublishedArticleFactory(lead_photo=photo)
    url = story.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "MISS"
    cached = client.get(url)
    assert cached["X-Page-Cache"] == "HIT" and "/renditions/" not in cached.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        renditions.make_photo_renditions.enqueue(photo.pk)

    refreshed = client.get(url)
    photo.refresh_from_db()
    [img] = photo_images(refreshed.content.decode(), photo)
    assert img["srcset"] == renditions.rendition_set(photo).srcset("jpeg")
