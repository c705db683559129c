"""
Optional two-factor authentication for staff: one TOTP device (django-otp) per user.

A user with a confirmed device must give its code at login, and a session that has not passed the
code does not reach the admin. A user without one logs in with the password alone, unless
NEWSROOM_REQUIRE_2FA_FOR_CHIEF_EDITORS is on and they hold the chief editor role: then the admin
sends them to enrolment first. The admin site (accounts/sites.py), the login form
(accounts/forms.py) and the enrolment page (accounts/views.py) ask these functions.
"""

from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.roles import CHIEF_EDITOR

DEVICE_NAME = "Authenticator app"


def confirmed_device(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def code_required(request):
    """The user has turned two-factor authentication on, and this session has not given a code."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    # Asked several times for each admin page (has_permission): one query per request and user.
    memo = getattr(request, "_twofactor_device_for", None)
    if memo is None or memo[0] != user.pk:
        memo = request._twofactor_device_for = (user.pk, confirmed_device(user))
    return memo[1] is not None


def enrolment_required(request):
    """A chief editor without a verified device, while the setting requires one of them."""
    user = request.user
    return (
        settings.NEWSROOM_REQUIRE_2FA_FOR_CHIEF_EDITORS
        and user.is_authenticated
        and not user.is_verified()
        and user.groups.filter(name=CHIEF_EDITOR).exists()
    )


def verify(device, token):
    """
    Whether ``token`` is the device's current code. Throttled by django-otp (each wrong code
    doubles the wait before the next is even checked) and never accepting a code twice; returns
    (verified, refusal message or None).
    """
    token = (token or "").replace(" ", "")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, details = device.verify_is_allowed()
        if not allowed:
            until = timezone.localtime(details.get("locked_until") or timezone.now())
            return False, f"Too many wrong codes in a row: wait until {until:%H:%M:%S}, then try a new code."
        if device.verify_token(token):
            return True, None
    return False, "That code is not right. Enter the 6 digits your app shows now."


def pending_device(user):
    """The device being enrolled: kept between page loads, so the secret shown stays the same."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def confirm(request, device):
    """Turn the device on and count this session as verified (it has just given a code)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.devices_for_user(request.user, confirmed=False).delete()
    otp_login(request, device)


def secret(device):
    """The key as an app takes it by hand: base32, in groups of four."""
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device):
    """The otpauth:// URI as an inline SVG QR code (black on white, also in the dark theme)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title="QR code for your authenticator app"
    )
    return mark_safe(svg)  # segno's own markup; the URI is encoded in the modules, not as text
