"""
Staff accounts (accounts/): the login lockout (django-axes), the configurable admin URL, idle
expiry of staff sessions, and optional TOTP two-factor authentication (django-otp).
"""

import base64
import importlib
import sys
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import clear_url_caches, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.clientip import client_ip
from accounts.middleware import LAST_ACTIVITY_KEY
from articles import notifications
from inbox.delivery import absolute_url
from tests.factories import (
    ArticleFactory,
    ChiefEditorFactory,
    EditorFactory,
    ReporterFactory,
    SectionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests"
OFFICE = "203.0.113.10"
ELSEWHERE = "198.51.100.20"


def log_in(client, username, password=PASSWORD, *, address=OFFICE, code=None, **extra):
    data = {"username": username, "password": password, "next": reverse("admin:index")}
    if code is not None:
        data["otp_token"] = code
    return client.post(reverse("admin:login"), data, REMOTE_ADDR=address, **extra)


def logged_in(response):
    return response.status_code == 302 and response["Location"] == reverse("admin:index")


def refused_by_lockout(response):
    return response.status_code == 429 and b"Try again after" in response.content


@contextmanager
def at(moment):
    """The clocks axes (the time of an attempt) and the idle check read, set to ``moment``."""
    with (
        mock.patch("axes.handlers.proxy.now", return_value=moment),
        mock.patch("django.utils.timezone.now", return_value=moment),
    ):
        yield


# --- lockout -------------------------------------------------------------------------------------


def test_twelve_wrong_passwords_then_the_right_one_is_still_refused_with_the_message(client):
    editor = EditorFactory()

    responses = [log_in(client, editor.username, f"wrong-{n}") for n in range(12)]

    assert [r.status_code for r in responses[:4]] == [200] * 4  # the login form, with its error
    assert all(refused_by_lockout(r) for r in responses[4:])  # the 5th failure locks
    right = log_in(client, editor.username)
    assert refused_by_lockout(right)
    assert right["Retry-After"] == str(15 * 60)
    page = right.content.decode()
    assert "Too many failed logins" in page and "Logging in is paused for\n    15 minutes" in page
    assert 'id="lockout-message"' in page and reverse("admin:login") in page
    assert client.get(reverse("admin:index")).status_code == 302  # not logged in


def test_the_lockout_page_says_when_to_try_again(client):
    editor = EditorFactory()
    moment = timezone.now().replace(microsecond=0)

    with at(moment):
        for n in range(5):
            response = log_in(client, editor.username, f"wrong-{n}")

    retry_at = timezone.localtime(moment + timedelta(minutes=15))
    assert f'datetime="{retry_at.isoformat()}"' in response.content.decode()
    assert retry_at.strftime("%H:%M") in response.content.decode()


def test_after_the_address_limit_another_username_from_it_is_refused(client):
    editor, chief = EditorFactory(), ChiefEditorFactory()
    for n in range(5):
        log_in(client, editor.username, f"wrong-{n}")

    assert refused_by_lockout(log_in(client, chief.username))
    # From another address the chief logs in; the editor's five failures lock the editor there too.
    assert logged_in(log_in(client, chief.username, address=ELSEWHERE))
    client.logout()
    assert refused_by_lockout(log_in(client, editor.username, address=ELSEWHERE))


def test_guessing_many_usernames_from_one_address_is_locked_by_the_address(client):
    chief = ChiefEditorFactory()
    for n in range(5):
        log_in(client, f"nobody-{n}", "wrong")  # one failure per username: only the address adds up

    assert refused_by_lockout(log_in(client, chief.username))


def test_after_the_cool_off_the_login_works(client):
    editor = EditorFactory()
    start = timezone.now()
    with at(start):
        for n in range(6):
            log_in(client, editor.username, f"wrong-{n}")

    with at(start + timedelta(minutes=14)):
        assert refused_by_lockout(log_in(client, editor.username))  # and the wait starts again
    with at(start + timedelta(minutes=14 + 15, seconds=1)):
        assert logged_in(log_in(client, editor.username))


def test_a_correct_login_below_the_limit_resets_nothing_wrongly(client):
    chief, editor = ChiefEditorFactory(), EditorFactory()
    for n in range(2):
        log_in(client, chief.username, f"guess-{n}", address=ELSEWHERE)  # someone else, elsewhere
    log_in(client, editor.username, "typo")  # a colleague at the office
    for n in range(2):
        log_in(client, chief.username, f"typo-{n}")  # the chief's own typing

    assert logged_in(log_in(client, chief.username))  # 4 failures for the chief: below the limit
    client.logout()

    # Only the chief's own failures from the office are gone.
    assert set(AccessAttempt.objects.values_list("username", "ip_address", "failures_since_start")) == {
        (chief.username, ELSEWHERE, 2),
        (editor.username, OFFICE, 1),
    }
    # The failures from elsewhere still count against the chief: three more lock.
    for n in range(2):
        assert log_in(client, chief.username, f"guess-{n}", address="192.0.2.1").status_code == 200
    assert refused_by_lockout(log_in(client, chief.username, "guess-2", address="192.0.2.1"))


def test_the_limits_follow_the_settings(client, settings):
    settings.NEWSROOM_LOGIN_FAILURE_LIMIT = 2
    settings.NEWSROOM_LOGIN_COOLOFF_MINUTES = 1
    editor = EditorFactory()
    start = timezone.now()

    with at(start):
        assert log_in(client, editor.username, "wrong").status_code == 200
        assert refused_by_lockout(log_in(client, editor.username, "wrong"))
    with at(start + timedelta(minutes=1, seconds=1)):
        assert logged_in(log_in(client, editor.username))


def test_a_wrong_two_factor_code_counts_as_a_failed_login(client):
    editor = EditorFactory()
    device = confirmed_device(editor)

    for _ in range(4):
        assert log_in(client, editor.username, code=wrong_code(device)).status_code == 200
        unthrottle(device)  # django-otp's own throttle aside: the lockout is what is tested
    assert refused_by_lockout(log_in(client, editor.username, code=wrong_code(device)))
    assert refused_by_lockout(log_in(client, editor.username, code=code(device)))


def test_password_validators_stay_on():
    with pytest.raises(ValidationError):
        validate_password("password")
    with pytest.raises(ValidationError):
        validate_password("12345678901")


def test_axes_and_otp_checks_pass_under_this_django():
    messages = [m for m in run_checks() if m.id.startswith(("axes.", "otp", "admin."))]
    assert messages == []


# --- the client's address ------------------------------------------------------------------------


def request_with(**meta):
    return RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", **meta)


def test_client_address_ignores_forwarded_headers_unless_configured(settings):
    settings.NEWSROOM_CLIENT_IP_HEADER = None

    assert client_ip(request_with(HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_X_REAL_IP="1.2.3.4")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("header", "count", "meta", "expected"),
    [
        ("X-Forwarded-For", 1, {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.2.3.4"}, "1.2.3.4"),
        ("X-Forwarded-For", 2, {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 1.2.3.4, 10.0.0.9"}, "1.2.3.4"),
        ("X-Forwarded-For", 2, {"HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.2"),
        ("X-Forwarded-For", 1, {"HTTP_X_FORWARDED_FOR": "not-an-address"}, "10.0.0.2"),
        ("X-Forwarded-For", 1, {}, "10.0.0.2"),
        ("X-Real-IP", 1, {"HTTP_X_REAL_IP": "2001:db8::1", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}, "2001:db8::1"),
        ("HTTP_X_REAL_IP", 1, {"HTTP_X_REAL_IP": "1.2.3.4"}, "1.2.3.4"),
    ],
)
def test_client_address_comes_from_the_configured_header(settings, header, count, meta, expected):
    settings.NEWSROOM_CLIENT_IP_HEADER = header
    settings.NEWSROOM_TRUSTED_PROXY_COUNT = count

    assert client_ip(request_with(**meta)) == expected


def test_behind_a_proxy_the_lockout_is_per_forwarded_address(client, settings):
    settings.NEWSROOM_CLIENT_IP_HEADER = "X-Forwarded-For"
    editor, chief = EditorFactory(), ChiefEditorFactory()
    for n in range(5):  # every request comes from the proxy, 10.0.0.2
        forwarded = f"9.9.9.{n}, {OFFICE}"
        log_in(client, f"nobody-{n}", "wrong", address="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert refused_by_lockout(log_in(client, chief.username, address="10.0.0.2", HTTP_X_FORWARDED_FOR=OFFICE))
    assert logged_in(log_in(client, editor.username, address="10.0.0.2", HTTP_X_FORWARDED_FOR=ELSEWHERE))


# --- the admin URL -------------------------------------------------------------------------------


@pytest.fixture
def admin_at(settings):
    """Serve the admin at another NEWSROOM_ADMIN_URL: the URLconf is loaded again with it."""

    def move(url):
        settings.NEWSROOM_ADMIN_URL = url
        reload_urls()

    yield move
    settings.NEWSROOM_ADMIN_URL = "admin/"
    reload_urls()


def reload_urls():
    importlib.reload(sys.modules[django_settings.ROOT_URLCONF])
    clear_url_caches()


def test_the_admin_answers_at_the_configured_path_and_robots_disallows_it(client, admin_at):
    admin_at("desk-7f3a/")
    editor = EditorFactory()

    assert reverse("admin:index") == "/desk-7f3a/"
    assert client.get("/desk-7f3a/login/").status_code == 200
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 404
    robots = client.get("/robots.txt").content.decode()
    assert "Disallow: /desk-7f3a/" in robots and "/admin/" not in robots

    client.force_login(editor)
    assert client.get("/desk-7f3a/").status_code == 200
    assert client.get("/desk-7f3a/articles/article/").status_code == 200


def test_links_to_the_admin_follow_its_path(client, admin_at, settings):
    admin_at("newsroom/desk/")
    settings.SITE_URL = "https://cms.example.com"
    article = ArticleFactory()

    assert absolute_url(notifications.story_path(article.pk)) == (
        f"https://cms.example.com/newsroom/desk/articles/article/{article.pk}/change/"
    )
    editor = EditorFactory()
    for n in range(5):
        response = log_in(client, editor.username, f"wrong-{n}")
    assert response.status_code == 429 and 'href="/newsroom/desk/login/"' in response.content.decode()


# --- idle staff sessions -------------------------------------------------------------------------


def test_an_idle_staff_session_ends_and_the_login_says_why(client):
    client.force_login(EditorFactory())
    start = timezone.now()
    with at(start):
        assert client.get(reverse("admin:index")).status_code == 200

    with at(start + timedelta(minutes=61)):
        response = client.get(reverse("admin:articles_article_changelist"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        login_page = client.get(response["Location"]).content.decode()
    assert "You were logged out after 60 minutes without activity." in login_page
    assert client.get(reverse("admin:index")).status_code == 302  # signed out for good


def test_an_active_staff_session_stays(client):
    client.force_login(EditorFactory())
    start = timezone.now()

    for step in range(10):  # a request every 50 minutes, for more than 7 hours
        with at(start + timedelta(minutes=50 * step)):
            assert client.get(reverse("admin:index")).status_code == 200


def test_the_presence_heartbeat_is_not_activity(client):
    reporter = ReporterFactory()
    article = ArticleFactory(created_by=reporter)
    client.force_login(reporter)
    start = timezone.now()
    with at(start):
        assert client.get(reverse("admin:articles_article_change", args=[article.pk])).status_code == 200

    heartbeat = reverse("admin:articles_article_presence", args=[article.pk])
    for minute in range(10, 60, 10):
        with at(start + timedelta(minutes=minute)):
            assert client.post(heartbeat).status_code == 200
    with at(start + timedelta(minutes=61)):
        assert client.post(heartbeat).status_code == 302  # signed out: the page goes to the login


def test_the_idle_limit_follows_the_setting(client, settings):
    client.force_login(EditorFactory())
    start = timezone.now()
    with at(start):
        client.get(reverse("admin:index"))

    settings.NEWSROOM_STAFF_IDLE_MINUTES = 0  # off
    with at(start + timedelta(days=3)):
        assert client.get(reverse("admin:index")).status_code == 200
    settings.NEWSROOM_STAFF_IDLE_MINUTES = 5
    with at(start + timedelta(days=3, minutes=6)):
        assert client.get(reverse("admin:index")).status_code == 302


def test_readers_get_no_session_and_no_cookie(client):
    response = client.get("/")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert LAST_ACTIVITY_KEY not in client.session


# --- two-factor authentication -------------------------------------------------------------------


def confirmed_device(user):
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code(device, steps_ahead=0):
    """The device's code now, or ``steps_ahead`` steps later (a code is accepted only once)."""
    return f"{totp(device.bin_key, device.step, device.t0 - steps_ahead * device.step, device.digits):06d}"


def wrong_code(device):
    return "000000" if code(device) != "000000" else "111111"


def unthrottle(device):
    """Forget django-otp's wait after a wrong code (one second, doubling with each)."""
    devices = TOTPDevice.objects.filter(pk=device.pk)
    devices.update(throttling_failure_count=0, throttling_failure_timestamp=None)


def test_without_a_device_the_password_alone_logs_in(client):
    assert logged_in(log_in(client, EditorFactory().username))
    assert client.get(reverse("admin:index")).status_code == 200


def test_with_a_confirmed_device_the_login_asks_for_the_code(client):
    editor = EditorFactory()
    device = confirmed_device(editor)

    page = client.get(reverse("admin:login")).content.decode()
    assert 'name="otp_token"' in page and 'autocomplete="one-time-code"' in page
    missing = log_in(client, editor.username)
    assert missing.status_code == 200 and "enter the code from your app" in missing.content.decode()
    wrong = log_in(client, editor.username, code=wrong_code(device))
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302
    throttled = log_in(client, editor.username, code=code(device))
    assert "Too many wrong codes in a row" in throttled.content.decode()  # django-otp's throttle
    unthrottle(device)

    assert logged_in(log_in(client, editor.username, code=code(device, steps_ahead=1)))
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_session_that_gave_no_code_does_not_reach_the_admin(client):
    editor = EditorFactory()
    confirmed_device(editor)
    client.force_login(editor)  # a password-only session

    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_staff_enrol_a_totp_device(client):
    editor = EditorFactory()
    client.force_login(editor)
    url = reverse("admin:twofactor")
    assert f'href="{url}"' in client.get(reverse("admin:index")).content.decode()  # in the user links

    page = client.get(url).content.decode()
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    assert "<svg" in page and "otpauth://totp/" in page
    assert client.get(url).status_code == 200 and TOTPDevice.objects.filter(user=editor).count() == 1

    wrong = client.post(url, {"otp_token": wrong_code(device)})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    unthrottle(device)

    response = client.post(url, {"otp_token": code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("admin:index")).status_code == 200  # this session counts as verified
    assert "Two-factor authentication is <strong>on</strong>" in client.get(url).content.decode()
    assert device.key not in client.get(url).content.decode()

    client.post(reverse("admin:logout"))
    assert log_in(client, editor.username).status_code == 200  # now asks for the code
    assert logged_in(log_in(client, editor.username, code=code(device, steps_ahead=1)))


def test_the_secret_is_shown_as_text_for_typing(client):
    editor = EditorFactory()
    client.force_login(editor)
    page = client.get(reverse("admin:twofactor")).content.decode()
    device = TOTPDevice.objects.get(user=editor)

    typed = page.split('id="twofactor-secret">')[1].split("<")[0].replace(" ", "")
    assert base64.b32decode(typed) == device.bin_key


@pytest.fixture
def chief_2fa_required(settings):
    settings.NEWSROOM_REQUIRE_2FA_FOR_CHIEF_EDITORS = True


def test_a_chief_editor_without_a_device_is_sent_to_enrolment(client, chief_2fa_required):
    chief = ChiefEditorFactory()
    assert logged_in(log_in(client, chief.username))

    for url in [reverse("admin:index"), reverse("admin:articles_article_changelist")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("admin:twofactor")
    page = client.get(reverse("admin:twofactor"))
    assert page.status_code == 200
    assert "Chief editors must use two-factor authentication" in page.content.decode()

    device = TOTPDevice.objects.get(user=chief)
    client.post(reverse("admin:twofactor"), {"otp_token": code(device)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_chief_editor_without_a_device_may_still_log_out(client, chief_2fa_required):
    client.force_login(ChiefEditorFactory())

    client.post(reverse("admin:logout"))

    assert "_auth_user_id" not in client.session


def test_only_chief_editors_must_enrol_and_only_when_the_setting_is_on(client, settings):
    chief, editor = ChiefEditorFactory(), EditorFactory()
    client.force_login(chief)
    assert client.get(reverse("admin:index")).status_code == 200  # the setting is off by default

    settings.NEWSROOM_REQUIRE_2FA_FOR_CHIEF_EDITORS = True
    client.force_login(editor)
    assert client.get(reverse("admin:index")).status_code == 200
    superuser = UserFactory(is_superuser=True)
    client.force_login(superuser)
    assert client.get(reverse("admin:index")).status_code == 200


# --- session keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cookie", ['"abcdefgh\\000ijklmnop"', '"ABCDEFGHIJKLMNOP"', "x" * 5000])
def test_a_session_key_django_never_makes_is_no_session(client, cookie):
    """A NUL from a cookie's octal escape reached the session query: a 500 on PostgreSQL."""
    SectionFactory(slug="politics")

    response = client.get("/politics/", headers={"Cookie": f"{django_settings.SESSION_COOKIE_NAME}={cookie}"})

    assert response.status_code == 200
    assert response.cookies[django_settings.SESSION_COOKIE_NAME].value == ""  # cleared, as Django does


def test_a_staff_session_still_works_with_the_store(client):
    client.force_login(EditorFactory())

    assert client.get(reverse("admin:index")).status_code == 200
