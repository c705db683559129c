"""
An image uploaded inside CKEditor 5, in a real browser: it becomes a Photo in the library
(credited to the site until the desk says otherwise, without alt text), the story cannot be
published until the photo has alt text, and once published readers see the image with its credit.

Setup (an editor, a story in review) is made with factories; everything else goes through the
admin's pages and the editor's own upload button. Screenshots go to ``artifacts/ckeditor-*.png``.
"""

import io
import re

import pytest
from django.conf import settings
from PIL import Image
from playwright.sync_api import expect

from articles import workflow
from articles.models import Article, Photo
from tests.browser.support import log_in
from tests.factories import ArticleFactory, EditorFactory, SectionFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("patient_assertions"),
]

HEADLINE = "Night Ferry Service Resumes"
ALT_TEXT = "A white ferry at the quay under floodlights"


@pytest.fixture
def story_in_review(settings):
    settings.TIME_ZONE = "Asia/Seoul"
    editor = EditorFactory(username="jonas")
    article = ArticleFactory(
        headline=HEADLINE,
        slug="night-ferry-service-resumes",
        section=SectionFactory(name="Society", slug="society"),
        body="<p>The night ferry sails again from tonight.</p>",
        created_by=editor,
    )
    workflow.submit_for_review(article=article, user=editor)
    return editor, article


def jpeg(size=(1200, 675), color=(20, 70, 120)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def shot(page, artifacts_dir, name):
    page.screenshot(path=artifacts_dir / f"ckeditor-{name}.png", full_page=True)


def test_an_image_uploaded_in_the_editor_is_published_with_its_credit(page, story_in_review, artifacts_dir):
    editor, article = story_in_review
    change_url = f"/admin/articles/article/{article.pk}/change/"
    log_in(page, editor)

    # 1. Upload an image with the editor's own button, where the caret is.
    page.goto(change_url)
    body = page.locator(".ck-editor__editable[contenteditable=true]")
    expect(body).to_be_visible()
    body.click()
    page.keyboard.press("ControlOrMeta+End")
    with page.expect_response(lambda r: r.url.endswith("/ckeditor5/upload/")) as upload:
        with page.expect_file_chooser() as chooser:
            page.locator(".ck-toolbar").get_by_role("button", name=re.compile("Upload image")).first.click()
        chooser.value.set_files({"name": "IMG_2231 ferry.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    assert upload.value.status == 200, upload.value.text()
    photo = Photo.objects.get()
    url = upload.value.json()["url"]
    assert url == photo.image.url and "ferry" not in url
    assert (photo.credit.name, photo.alt_text, photo.uploaded_by) == (
        settings.NEWSROOM_DEFAULT_CREDIT,
        "",
        editor,
    )
    expect(body.locator(f'img[src="{url}"]')).to_be_visible()
    body.locator(f'img[src="{url}"]').click()  # a selected image offers its alt text
    expect(page.get_by_role("button", name="Change image text alternative")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#id_body")).to_have_value(re.compile(re.escape(f'src="{url}"')))

    # 2. Save: the image is part of the story's text.
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    article.refresh_from_db()
    assert f'src="{url}"' in article.body
    shot(page, artifacts_dir, "01-uploaded")

    # 3. Publishing is refused while the image has no alt text, naming the photo.
    page.locator("#workflow").get_by_role("button", name=re.compile(r"^Publish")).click()
    file_name = photo.image.name.rsplit("/", 1)[-1]
    expect(page.locator(".messagelist .error")).to_contain_text(
        f"Cannot publish: the inline image “{file_name}” (#{photo.pk}) has no alt text."
    )
    assert Article.objects.get(pk=article.pk).status == Article.Status.REVIEW

    # 4. The photo library shows where the photo is used; the editor adds its alt text there.
    page.goto("/admin/articles/photo/")
    photo_url = f"/admin/articles/photo/{photo.pk}/change/"
    row = page.locator("#result_list tbody tr", has=page.locator(f'a[href="{photo_url}"]'))
    expect(row.locator(".field-used_in")).to_have_text("1 article")
    shot(page, artifacts_dir, "02-library")
    row.locator("th a").first.click()
    page.get_by_label("Alt text").fill(ALT_TEXT)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    photo.refresh_from_db()
    assert photo.alt_text == ALT_TEXT

    # 5. Now the story publishes.
    page.goto(change_url)
    page.locator("#workflow").get_by_role("button", name=re.compile(r"^Publish")).click()
    expect(page.locator(".messagelist .success")).to_contain_text("is now Published.")
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    shot(page, artifacts_dir, "03-published")

    # 6. Readers see the image, loaded, with its credit.
    page.goto(article.get_absolute_url())
    story_body = page.locator("article.story .story__body")
    image = story_body.locator("img").first
    expect(image).to_be_visible()
    expect(image).to_have_attribute("alt", ALT_TEXT)
    page.wait_for_function(
        "() => [...document.querySelectorAll('article.story .story__body img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    expect(story_body).to_contain_text(f"Photo : {settings.NEWSROOM_DEFAULT_CREDIT}")
    shot(page, artifacts_dir, "04-public")
