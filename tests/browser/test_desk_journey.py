"""
A story's journey through the desk in a real browser, as the people in the newsroom do it: a
reporter uploads a photo and writes a story in CKEditor 5, submits it; an editor returns it with a
comment; the reporter fixes it and resubmits; the editor publishes it, then publishes a correction;
the chief editor puts it in Editor's Pick. Readers' pages are checked after each public step.

Only the setup (section, photo credit, users, the reporter's byline) is made with factories:
every step of the journey goes through the admin's own pages, in one browser context per person.
The database is read only to check what the pages did. Screenshots of each step go to
``artifacts/desk-*.png``.
"""

import io
import re

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from articles.models import Article, EditorsPick, Photo
from tests.browser.support import log_in
from tests.factories import (
    AuthorFactory,
    ChiefEditorFactory,
    EditorFactory,
    PhotoCreditFactory,
    ReporterFactory,
    SectionFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("patient_assertions"),
]

HEADLINE = "Harbour Cranes Return after Storm Repairs"
SLUG = "harbour-cranes-return-after-storm-repairs"
SUMMARY = "The port's container cranes are working again, two weeks after the storm."
ANCHOR = "The port's six container cranes went back to work this morning."
CAPTION = "A container crane at the port's east terminal."
ALT_TEXT = "A tall blue crane lifting a container off a ship"
CREDIT = "Harbour Photo Agency"
FIRST_DRAFT = "The cranes were repaired in ten days."
COMMENT = "How many cranes? Say who repaired them."
FIXED = "All six cranes were repaired in ten days by the port's own engineers."
SECOND_PARAGRAPH = "Shipping lines say the backlog should clear by Friday."
CORRECTED = "All six cranes were repaired in twelve days by the port's own engineers."
CORRECTION = "An earlier version said the repairs took ten days; they took twelve."


@pytest.fixture
def newsroom(settings):
    """The people and the fixed data of the desk; the story itself is made in the browser."""
    settings.TIME_ZONE = "Asia/Seoul"
    reporter = ReporterFactory(username="mina")
    AuthorFactory(user=reporter, name="Mina Park", slug="mina-park")
    return {
        "reporter": reporter,
        "editor": EditorFactory(username="jonas"),
        "chief": ChiefEditorFactory(username="grace"),
        "section": SectionFactory(name="Economy", slug="economy"),
        "credit": PhotoCreditFactory(name=CREDIT),
    }


# --- what a person does -------------------------------------------------------------------------


def log_out(page):
    page.locator("#logout-form").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Logged out")).to_be_visible()


def choose(page, select_id, search, option):
    """Pick ``option`` in the admin's autocomplete (Select2) for ``<select id=select_id>``."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    search_box = page.locator(".select2-container--open .select2-search__field")
    # Wait for the answer to this search, so the click cannot land on a list being replaced.
    with page.expect_response(lambda r: "/autocomplete/" in r.url and f"term={search}" in r.url):
        search_box.fill(search)
    page.locator(".select2-container--open .select2-results__option", has_text=option).click()
    expect(page.locator(f"#{select_id} + .select2 .select2-selection__rendered")).to_contain_text(option)


def body_editor(page):
    editor = page.locator(".ck-editor__editable[contenteditable=true]")
    expect(editor).to_be_visible()
    return editor


def type_body(page, *paragraphs):
    """Replace the body in CKEditor 5 as a person does: click, select all, type, Enter between."""
    body_editor(page).click()
    page.keyboard.press("ControlOrMeta+A")
    for number, paragraph in enumerate(paragraphs):
        if number:
            page.keyboard.press("Enter")
        page.keyboard.type(paragraph)
    # The widget copies the editor's data into the form's textarea as it changes.
    expect(page.locator("#id_body")).to_have_value(re.compile(re.escape(paragraphs[-1])))


def save_and_continue(page, message, level="success"):
    """Save the article form and stay on it; ``message`` is what the admin says it did."""
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(f".messagelist .{level}")).to_contain_text(message)
    # (Not ".errornote": the "also editing this story" notice uses it too.)
    expect(page.locator(".errorlist")).to_have_count(0)


def open_from_queue(page, queue):
    """From the dashboard's desk queue (``review``, ``mine``...) to the story's change form."""
    page.goto("/admin/")
    page.locator(f"#queue-{queue} a").click()
    expect(page).to_have_url(re.compile(rf"[?&]queue={queue}\b"))
    page.locator("#result_list").get_by_role("link", name=HEADLINE).click()
    expect(page.get_by_role("heading", name="Workflow:")).to_be_visible()


def take_transition(page, label, status):
    page.locator("#workflow").get_by_role("button", name=label).click()
    expect(page.locator(".messagelist .success")).to_contain_text(f"is now {status}.")
    expect(page.locator("#workflow h2")).to_have_text(f"Workflow: {status}")


def dismiss_cookie_notice(page):
    notice = page.locator("#cookie-notice")
    if notice.count() and notice.is_visible():
        notice.get_by_role("button", name="Close").click()
        expect(notice).to_be_hidden()


def shot(page, artifacts_dir, name):
    path = artifacts_dir / f"desk-{name}.png"
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 0


def jpeg(size=(1200, 675), color=(30, 80, 140)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def story():
    return Article.objects.select_related("latest_revision", "live_revision").get(slug=SLUG)


# --- the journey ----------------------------------------------------------------------------------


def test_story_from_first_draft_to_editors_pick(new_page, newsroom, artifacts_dir):
    reporter, editor, chief = new_page(), new_page(), new_page()
    reader = new_page()

    # 1. The reporter uploads the lead photo, then writes the story around it.
    log_in(reporter, newsroom["reporter"])
    reporter.goto("/admin/articles/photo/add/")
    reporter.get_by_label("Image").set_input_files(
        {"name": "cranes.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    reporter.get_by_label("Caption").fill(CAPTION)
    reporter.get_by_label("Alt text").fill(ALT_TEXT)
    choose(reporter, "id_credit", "Harbour", CREDIT)
    reporter.get_by_role("button", name="Save", exact=True).click()
    expect(reporter.locator(".messagelist .success")).to_contain_text("was added successfully")
    photo = Photo.objects.get(caption=CAPTION)
    assert (photo.credit, photo.uploaded_by, photo.width) == (newsroom["credit"], newsroom["reporter"], 1200)

    reporter.goto("/admin/articles/article/add/")
    reporter.get_by_label("Headline").press_sequentially(HEADLINE)
    expect(reporter.get_by_label("Slug")).to_have_value(SLUG)  # filled in from the headline
    choose(reporter, "id_section", "Eco", "Economy")
    reporter.get_by_label("Summary").fill(SUMMARY)
    reporter.get_by_label("Anchor lead").fill(ANCHOR)
    type_body(reporter, FIRST_DRAFT)
    choose(reporter, "id_lead_photo", "crane", CAPTION)
    save_and_continue(reporter, "was added successfully")
    article = story()
    assert article.status == Article.Status.DRAFT
    assert article.body == f"<p>{FIRST_DRAFT}</p>"
    assert article.lead_photo == photo
    assert [a.name for a in article.byline_authors] == ["Mina Park"]  # the reporter's own byline
    assert (article.section.slug, article.summary, article.anchor_lead) == ("economy", SUMMARY, ANCHOR)
    shot(reporter, artifacts_dir, "01-reporter-draft")

    # 2. ...and submits it for review, then logs out.
    take_transition(reporter, "Submit for review", "In review")
    assert story().status == Article.Status.REVIEW
    shot(reporter, artifacts_dir, "02-submitted")
    log_out(reporter)

    # 3. The editor finds it awaiting review and returns it with a comment.
    log_in(editor, newsroom["editor"])
    expect(editor.locator("#queue-review td")).to_have_text("1")
    open_from_queue(editor, "review")
    expect(body_editor(editor)).to_contain_text(FIRST_DRAFT)
    editor.get_by_label("What needs changing").fill(COMMENT)
    take_transition(editor, "Return to reporter", "Draft")
    expect(editor.locator("#workflow-history")).to_contain_text(COMMENT)
    assert story().status == Article.Status.DRAFT
    shot(editor, artifacts_dir, "03-returned")

    # 4. The reporter logs in again, reads the comment, fixes the story and resubmits it.
    log_in(reporter, newsroom["reporter"])
    open_from_queue(reporter, "mine")
    expect(reporter.locator("#workflow-history")).to_contain_text(COMMENT)
    type_body(reporter, FIXED, SECOND_PARAGRAPH)
    save_and_continue(reporter, "was changed successfully")
    assert story().body == f"<p>{FIXED}</p><p>{SECOND_PARAGRAPH}</p>"
    take_transition(reporter, "Submit for review", "In review")
    shot(reporter, artifacts_dir, "04-resubmitted")

    # 5. The editor publishes the revision they reviewed.
    open_from_queue(editor, "review")
    expect(body_editor(editor)).to_contain_text(FIXED)
    number = story().latest_revision.number
    take_transition(editor, f"Publish (revision {number})", "Published")
    article = story()
    assert article.status == Article.Status.PUBLISHED
    assert article.live_revision.number == number
    assert article.written_at is not None and article.updated_at is None
    shot(editor, artifacts_dir, "05-published")

    # 6. Readers see it at the address the admin's "View on site" leads to.
    change_url = editor.url
    editor.get_by_role("link", name="View on site").click()
    expect(editor.locator("article.story h1")).to_have_text(HEADLINE)
    public_url = editor.url
    assert public_url.endswith(article.get_absolute_url())
    reader.goto(public_url)
    page_story = reader.locator("article.story")
    expect(page_story.get_by_role("heading", level=1)).to_have_text(HEADLINE)
    written = timezone.localtime(article.written_at).strftime("%Y-%m-%d %H:%M:%S")
    expect(page_story).to_contain_text(f"Written: {written}")
    expect(page_story).not_to_contain_text("Updated:")
    expect(page_story).to_contain_text(f"Photo : {CREDIT}")
    expect(page_story.locator(".photo img")).to_have_attribute("alt", ALT_TEXT)
    reader.wait_for_function(  # the uploaded photo is served
        "() => [...document.querySelectorAll('article.story .photo img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    expect(page_story.locator(".story__anchor")).to_contain_text(ANCHOR)
    expect(page_story.locator(".story__body")).to_contain_text(f"Report: {FIXED}")
    expect(page_story).to_contain_text("Mina Park, Newsroom World Radio News.")
    dismiss_cookie_notice(reader)
    shot(reader, artifacts_dir, "06-public")

    # 7. The editor corrects the story: the edit waits as a revision until it is published.
    editor.goto(change_url)
    type_body(editor, CORRECTED, SECOND_PARAGRAPH)
    save_and_continue(editor, "Readers still see the published version", level="info")
    expect(editor.locator("#pending-changes")).to_be_visible()
    article = story()
    assert article.has_unpublished_changes and CORRECTED in article.latest_revision.content["body"]
    reader.reload()
    expect(page_story.locator(".story__body")).to_contain_text(FIXED)
    expect(page_story).not_to_contain_text(CORRECTED)

    editor.get_by_label("Public correction note").fill(CORRECTION)
    take_transition(editor, f"Publish update (revision {article.latest_revision.number})", "Updated")
    article = story()
    assert article.status == Article.Status.UPDATED and not article.has_unpublished_changes
    reader.reload()
    updated = timezone.localtime(article.updated_at).strftime("%Y-%m-%d %H:%M:%S")
    corrected = timezone.localtime(article.live_revision.published_at).strftime("%Y-%m-%d %H:%M")
    expect(page_story).to_contain_text(f"Written: {written}")
    expect(page_story).to_contain_text(f"Updated: {updated}")
    expect(page_story.locator(".story__body")).to_contain_text(CORRECTED)
    expect(page_story.locator(".story__correction")).to_have_text(f"Correction, {corrected}: {CORRECTION}")
    shot(reader, artifacts_dir, "07-corrected")

    # 8. The chief editor puts the story in the site-wide Editor's Pick; the home page shows it once.
    log_in(chief, newsroom["chief"])
    chief.get_by_role("link", name="Editor's picks").click()
    expect(chief.get_by_role("heading", name="Editor's Pick: site-wide")).to_be_visible()
    choose(chief, "id_article", "Harbour", HEADLINE)
    chief.get_by_role("button", name="Add to the site-wide list").click()
    expect(chief.locator(".messagelist .success")).to_contain_text("is now at the top of the site-wide list")
    expect(chief.locator("#picks tbody tr").first).to_contain_text(HEADLINE)
    assert list(EditorsPick.objects.values_list("article__slug", "section", "position")) == [(SLUG, None, 0)]
    # The newest story leads the home page, whose Editor's Pick leaves out what the top stories
    # already show: the pick is seen once, at the top.
    reader.goto("/")
    top = reader.locator(".front__lead")
    expect(top.get_by_role("link", name=HEADLINE).first).to_have_attribute("href", article.get_absolute_url())
    expect(reader.locator(".block--picks").get_by_role("link", name=HEADLINE)).to_have_count(0)
    dismiss_cookie_notice(reader)
    shot(reader, artifacts_dir, "08-editors-pick")
