"""factory_boy factories for the newsroom's models. Tests build their data with these."""

import io

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles import roles, workflow
from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    EditorsPick,
    Photo,
    PhotoCredit,
    RelatedArticle,
    Section,
)


def image_file(name="photo.jpg", size=(64, 48), image_format="JPEG", color=(30, 90, 160)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


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
