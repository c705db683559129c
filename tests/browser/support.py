"""What the browser tests share: the factories' password and signing in to the admin."""

import re

from playwright.sync_api import expect

# Every user the factories make has this password (tests/factories.py, UserFactory).
PASSWORD = "pass-for-tests"


def log_in(page, user):
    """Sign ``user`` in through the admin's login form, as a person would, and land on the admin."""
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#user-tools")).to_contain_text(user.username.upper(), ignore_case=True)
