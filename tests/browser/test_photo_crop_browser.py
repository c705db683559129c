"""
Cropping a photo in the admin, in Chromium under the production profile's Content Security
Policy: the vendored Cropper.js puts a box of each ratio over the photo, dragging it fills in the
four numbers (inside the photo, of the ratio), typing them moves it, and saving keeps the box.
Without JavaScript the numbers are typed and saved all the same.
"""

import re

import pytest
from playwright.sync_api import expect

from articles.models import Photo
from tests.browser import test_csp_browser as csp_browser
from tests.browser.support import log_in
from tests.factories import EditorFactory, PhotoFactory
from tests.test_renditions import photo_file

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("patient_assertions"),
]


# The CSP browser test's fixtures: the production profile's headers, and a page that collects
# every policy violation the browser reports.
production_security = csp_browser.production_security
production_headers = csp_browser.production_headers
watched = csp_browser.watched
reports = csp_browser.reports


def numbers(page, crop):
    return [page.locator(f'input[name="crop_{crop}_{index}"]') for index in range(4)]


def values(page, crop):
    return [int(field.input_value()) for field in numbers(page, crop)]


@pytest.fixture
def photo():
    return PhotoFactory(image=photo_file((1600, 1000)), caption="Boats at dawn")


def test_an_editor_crops_by_dragging_the_box_under_the_production_policy(
    watched, production_headers, photo, reports
):
    page = watched()
    log_in(page, EditorFactory())
    page.goto(f"/admin/articles/photo/{photo.pk}/change/")

    # One cropper per ratio, each showing the crop around the focal point (no box chosen yet).
    expect(page.locator(".crop-box--ready")).to_have_count(3)
    box_4x3 = page.locator(".crop-box", has=page.locator('input[name="crop_4x3_0"]'))
    expect(box_4x3).to_have_class(re.compile("crop-box--focal"))
    assert all(field.input_value() == "" for field in numbers(page, "4x3"))

    # Drag the 4:3 box to the left: the numbers follow, inside the photo and of the ratio.
    box_4x3.scroll_into_view_if_needed()
    selection = box_4x3.locator("cropper-selection")
    image = box_4x3.locator("cropper-image").bounding_box()
    where = selection.bounding_box()
    # Around the focal point (the middle) at first: 1333 x 1000 from 133, 0, on screen.
    assert where["y"] == pytest.approx(image["y"], abs=2)
    assert where["x"] - image["x"] == pytest.approx(image["width"] * 133 / 1600, abs=2)
    middle = (where["x"] + where["width"] / 2, where["y"] + where["height"] / 2)
    page.mouse.move(*middle)
    page.mouse.down()
    page.mouse.move(middle[0] - 200, middle[1], steps=10)
    page.mouse.up()
    left, top, width, height = values(page, "4x3")
    assert left == 0, "dragged against the left edge, never past it"
    assert abs(height * 4 - width * 3) <= 4 and top + height <= 1000 and width <= 1600

    # Typing the 1:1 numbers moves that box onto them.
    box_1x1 = page.locator(".crop-box", has=page.locator('input[name="crop_1x1_0"]'))
    box_1x1.scroll_into_view_if_needed()
    for field, value in zip(numbers(page, "1x1"), [600, 0, 1000, 1000], strict=True):
        field.fill(str(value))
    image = box_1x1.locator("cropper-image").bounding_box()
    square = box_1x1.locator("cropper-selection").bounding_box()
    assert square["x"] + square["width"] == pytest.approx(image["x"] + image["width"], abs=2)
    assert square["width"] == pytest.approx(image["width"] * 1000 / 1600, abs=2)

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    photo.refresh_from_db()
    assert photo.crop_boxes == {"16x9": None, "4x3": [left, top, width, height], "1x1": [600, 0, 1000, 1000]}
    csp_browser.settle(page)
    assert page.violations == [] and reports() == []


def test_without_javascript_the_crop_box_is_typed(new_page, photo):
    page = new_page(java_script_enabled=False)
    log_in(page, EditorFactory())
    page.goto(f"/admin/articles/photo/{photo.pk}/change/")

    expect(page.locator(".crop-box__editor").first).to_be_hidden()
    for field, value in zip(numbers(page, "16x9"), [0, 90, 1600, 905], strict=True):
        field.fill(str(value))
    page.get_by_role("button", name="Save", exact=True).click()
    # Off the ratio by more than rounding is refused with the height it should have, and nothing is saved.
    expect(page.locator(".errorlist")).to_contain_text("for that width, its height is 900")
    assert Photo.objects.get(pk=photo.pk).crop_boxes["16x9"] is None

    numbers(page, "16x9")[3].fill("900")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert Photo.objects.get(pk=photo.pk).crop_boxes["16x9"] == [0, 90, 1600, 900]
