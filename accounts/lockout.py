"""
Brute-force protection for staff logins, with django-axes.

Axes counts failed logins per username and per client address (``AXES_LOCKOUT_PARAMETERS``) and
refuses the login once either reaches the limit, until the cool-off has passed since the last
failure. This module supplies what the settings point at: the limit and the cool-off, read from
the NEWSROOM_ settings at each attempt (so tests and deployments change one setting), and the
page a refused login gets. A success clears only the user's own failures from the same address.
"""

from datetime import timedelta

from axes.helpers import get_client_username
from axes.utils import reset
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import render
from django.urls import reverse

from accounts.clientip import client_ip


def failure_limit(request, credentials):
    return settings.NEWSROOM_LOGIN_FAILURE_LIMIT


def cool_off(request=None):
    return timedelta(minutes=settings.NEWSROOM_LOGIN_COOLOFF_MINUTES)


def lockout_response(request, original_response, credentials):
    """
    The admin's login page, refused: status 429 with ``Retry-After``, rendering
    ``accounts/lockout.html`` with ``retry_at`` (the earliest moment a login is tried again: the
    cool-off counts from the failure just recorded), ``cool_off_minutes`` and ``username``.
    """
    wait = cool_off(request)
    retry_at = request.axes_attempt_time + wait
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "retry_at": retry_at,
        "cool_off_minutes": settings.NEWSROOM_LOGIN_COOLOFF_MINUTES,
        "username": get_client_username(request, credentials) or "",
        "login_url": reverse("admin:login"),
    }
    response = render(request, "accounts/lockout.html", context, status=429)
    response["Retry-After"] = str(int(wait.total_seconds()))
    return response


@receiver(user_logged_in, dispatch_uid="accounts.lockout.clear_own_failures")
def clear_own_failures(sender, request, user, **kwargs):
    """
    A correct password clears the failures of that username from that address (most likely its
    own typing), and nothing else: not the username's failures from elsewhere, nor other
    usernames' from this address. Axes' AXES_RESET_ON_SUCCESS would clear both.
    """
    address = client_ip(request) if request is not None else None
    if address and settings.AXES_ENABLED:
        reset(ip=address, username=user.get_username())
