"""The consent settings, read and checked in one place, and the values the cookie can hold."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

IMPLIED = "implied"
OPT_IN = "opt-in"
MODES = (IMPLIED, OPT_IN)

# What the cookie can say, after its version.
SEEN = "seen"  # implied mode: one page view so far, no consent yet
IMPLIED_CONSENT = "implied"  # implied mode: the reader went on to a second page
CLOSED = "closed"  # implied mode: the reader closed the notice
ACCEPTED = "accepted"  # opt-in mode: the reader accepted
REJECTED = "rejected"  # opt-in mode: the reader rejected
CHOICES = (SEEN, IMPLIED_CONSENT, CLOSED, ACCEPTED, REJECTED)

# The buttons of the notice, per mode, and the choice each one records.
BUTTONS = {
    IMPLIED: {"close": CLOSED},
    OPT_IN: {"accept": ACCEPTED, "reject": REJECTED},
}

ONE_YEAR = 365 * 24 * 60 * 60


def analytics_script_url(snippet):
    """
    The address ``NEWSROOM_ANALYTICS_SNIPPET`` names, when it is one (absolute, protocol-relative
    or root-relative, without spaces), or ``None``: then it is code. ``/consent/scripts.js`` loads
    the one and runs the other; the Content Security Policy allows the address's origin
    (``ops.csp``, from the settings).
    """
    snippet = (snippet or "").strip()
    if re.match(r"^(https?:)?//|^/(?!/)", snippet) and not re.search(r"\s", snippet):
        return snippet
    return None


@dataclass(frozen=True)
class ConsentConfig:
    """The consent settings (``NEWSROOM_COOKIE_*``, ``NEWSROOM_ANALYTICS_SNIPPET``)."""

    mode: str
    policy_version: int
    cookie_name: str
    analytics_snippet: str

    @classmethod
    def from_settings(cls):
        mode = getattr(settings, "NEWSROOM_COOKIE_CONSENT_MODE", IMPLIED)
        if mode not in MODES:
            raise ImproperlyConfigured(
                f"NEWSROOM_COOKIE_CONSENT_MODE must be one of {', '.join(MODES)}, not {mode!r}."
            )
        version = getattr(settings, "NEWSROOM_COOKIE_POLICY_VERSION", 1)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ImproperlyConfigured(
                f"NEWSROOM_COOKIE_POLICY_VERSION must be a positive integer, not {version!r}."
            )
        return cls(
            mode=mode,
            policy_version=version,
            cookie_name=getattr(settings, "NEWSROOM_COOKIE_CONSENT_NAME", "newsroom_consent"),
            analytics_snippet=(getattr(settings, "NEWSROOM_ANALYTICS_SNIPPET", "") or "").strip(),
        )
