"""factory_boy factories for the newsroom's models. Tests build their data with these."""

import datetime
import io
from pathlib import Path

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles import photos, roles, workflow
from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    EditorsPick,
    Photo,
    PhotoCredit,
    RelatedArticle,
    Section,
    default_crop_boxes,
)
from banners.models import Banner


def image_file(name="photo.jpg", size=(64, 48), image_format="JPEG", color=(30, 90, 160)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def image_bytes(image_format="JPEG", size=(64, 48), *, mode="RGB", color=(30, 90, 160), **save_options):
    """An encoded picture of one colour, e.g. ``image_bytes("PNG", exif=...)``."""
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, image_format, **save_options)
    return buffer.getvalue()


def animation_bytes(image_format="GIF", size=(40, 30), frames=3):
    """An animation whose frames differ (so no encoder merges them), 100 ms each, looping."""
    colours = [((n * 70) % 256, (n * 130) % 256, (n * 40 + 60) % 256) for n in range(frames)]
    images = [Image.new("RGB", size, colour) for colour in colours]
    buffer = io.BytesIO()
    images[0].save(buffer, image_format, save_all=True, append_images=images[1:], duration=100, loop=0)
    return buffer.getvalue()


def uploaded(data, name="photo.jpg", content_type="image/jpeg"):
    """An uploaded file as a form or view receives it: a name and Content-Type to be distrusted."""
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_state():
    """Every file in the media and originals folders, and the photo and credit rows: residue checks."""
    folders = [Path(settings.MEDIA_ROOT), Path(settings.STORAGES["originals"]["OPTIONS"]["location"])]
    files = sorted(str(p) for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file())
    return files, Photo.objects.count(), PhotoCredit.objects.count()


def uploaded_photo(*, data=None, credit="Agency Photo", caption="", alt_text="Alt text", user=None, **kwargs):
    """A photo added through the photo service, as an upload in the admin makes one."""
    return photos.photo_create(
        file=uploaded(data if data is not None else image_bytes()),
        credit=credit,
        caption=caption,
        alt_text=alt_text,
        user=user,
        **kwargs,
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_staff = True
    password = factory.django.Password("pass-for-tests")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


def _in_group(default_role):
    def add_to_group(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get(name=extracted or default_role))

    return factory.PostGeneration(add_to_group)


class ReporterFactory(UserFactory):
    role = _in_group(roles.REPORTER)


class EditorFactory(UserFactory):
    role = _in_group(roles.EDITOR)


class ChiefEditorFactory(UserFactory):
    role = _in_group(roles.CHIEF_EDITOR)


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")
    position = factory.Sequence(lambda n: n)


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Reporter {n}")
    slug = factory.Sequence(lambda n: f"reporter-{n}")
    affiliation = "Newsroom World Radio News"


class PhotoCreditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhotoCredit
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Agency {n}")


class PhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Photo

    image = factory.LazyFunction(image_file)
    caption = factory.Sequence(lambda n: f"Caption {n}")
    alt_text = factory.Sequence(lambda n: f"Alt text {n}")
    credit = factory.SubFactory(PhotoCreditFactory)
    # A photo of the library whose renditions are recorded as made (their files are not written:
    # pages name them without looking). ``PhotoFactory(renditions_focal_x=None,
    # renditions_focal_y=None)`` is one whose task has not run yet.
    focal_x = 0.5
    focal_y = 0.5
    renditions_focal_x = factory.SelfAttribute("focal_x")
    renditions_focal_y = factory.SelfAttribute("focal_y")
    # No crop box chosen (every crop around the focal point), and renditions made for that.
    crop_boxes = factory.LazyFunction(default_crop_boxes)
    renditions_crop_boxes = factory.SelfAttribute("crop_boxes")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A draft by default; ``PublishedArticleFactory`` for a live one."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    headline = factory.Sequence(lambda n: f"Headline number {n}")
    slug = factory.Sequence(lambda n: f"headline-number-{n}")
    section = factory.SubFactory(SectionFactory)
    anchor_lead = "The anchor introduces the story."
    body = "<p>The reporter tells the story.</p>"
    summary = "A summary."

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create and extracted:
            for position, author in enumerate(extracted):
                ArticleAuthor.objects.create(article=self, author=author, position=position)

    @factory.post_generation
    def related_articles(self, create, extracted, **kwargs):
        if create and extracted:
            for position, other in enumerate(extracted):
                RelatedArticle.objects.create(from_article=self, to_article=other, position=position)


class PublishedArticleFactory(ArticleFactory):
    """
    A story taken through the real workflow (submit, then publish) by a desk editor.

    ``written_at=<datetime>`` backdates the first publication after the fact, for ordering tests.
    """

    @factory.post_generation
    def written_at(self, create, extracted, **kwargs):
        if not create:
            return
        editor = EditorFactory(username="factory-editor")
        workflow.submit_for_review(article=self, user=editor)
        published = workflow.publish(article=self, user=editor)
        if extracted:
            Article.objects.filter(pk=self.pk).update(written_at=extracted)
        published.refresh_from_db()
        self.__dict__.update(
            {f.attname: getattr(published, f.attname) for f in Article._meta.concrete_fields}
        )


class EditorsPickFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EditorsPick

    article = factory.SubFactory(PublishedArticleFactory)
    position = factory.Sequence(lambda n: n)


class BannerFactory(factory.django.DjangoModelFactory):
    """A site-wide breaking-news banner showing now for an hour (``section=`` for a section's)."""

    class Meta:
        model = Banner

    text = factory.Sequence(lambda n: f"Breaking story {n}")
    article = factory.SubFactory(PublishedArticleFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(minutes=1))
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=1))
