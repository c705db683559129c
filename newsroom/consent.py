"""
Cookie consent: the notice at the foot of every reader page, and the reader's answer to it.

The problem
-----------
Reader pages are served to anonymous readers from a shared cache (a CDN, or a caching proxy), so
the HTML of a page must be the same bytes for everyone: no ``Set-Cookie`` on it and no
``Vary: Cookie``. Yet the notice has to disappear once a reader has closed it, also with
JavaScript off, and in implied mode a reader who goes on to a second page has consented, which
must be recorded in a cookie.

The design
----------
Everything that differs between readers happens on a few tiny private endpoints; the cached page
only *refers* to them.

* Every reader page contains the same notice markup (``templates/includes/cookie_notice.html``),
  preceded by ``<link rel="stylesheet" href="/consent/state.css">``. That stylesheet is per reader
  and sent ``Cache-Control: private, no-store``, which no shared cache stores. It reads the consent
  cookie and answers ``#cookie-notice{display:none}`` once the reader has closed the notice (or
  accepted or rejected it in opt-in mode), and nothing otherwise. The link comes before the notice,
  so a browser does not paint the notice until it knows whether to hide it.
* ``state.css`` is also where implied consent is recorded. The first page view's request sets the
  cookie to ``v<N>:seen`` (for the browser session only); the next page view's request finds it
  and sets ``v<N>:implied`` for a year. A reload counts as going on, as it is continued use.
* Closing (or accepting, rejecting) is a plain ``<form method="post" action="/consent/">``. Without
  JavaScript it redirects back to the page (a same-site ``next``, validated), whose ``state.css``
  now hides the notice. ``static/js/consent.js`` sends the same form with ``fetch`` and hides the
  notice without a reload.
* Non-essential scripts (``NEWSROOM_ANALYTICS_SNIPPET``) are never in the page. ``consent.js``
  asks ``/consent/scripts.js`` for them once ``state.css`` has loaded (so that the page view has
  been recorded first), and that private endpoint answers the snippet only when the cookie says the
  reader has consented; an empty script otherwise. Without consent nothing non-essential runs.
* ``Set-Cookie`` only ever appears on these ``/consent/`` responses, never on a page.

Why the form carries no CSRF token
----------------------------------
``{% csrf_token %}`` in the notice would set the CSRF cookie and add ``Vary: Cookie`` to every
page, which is exactly what the design avoids. Django 6.1's ``CsrfViewMiddleware`` has no
token-free mode, so the consent view is ``csrf_exempt`` and checks the request's origin itself,
the way Fetch Metadata protection works: a browser POST is accepted only when ``Sec-Fetch-Site``
says ``same-origin`` (or the ``Origin`` header is ours or listed in ``CSRF_TRUSTED_ORIGINS``);
browsers without Fetch Metadata fall back to ``Origin`` and then ``Referer``. A cross-site POST
gets the usual CSRF failure page (403). The stakes are low anyway (the view only sets the
reader's own consent cookie and redirects to a path on this site), but a forged "accept" in opt-in
mode would be a consent the reader never gave, so it is refused.

The cookie
----------
``NEWSROOM_COOKIE_CONSENT_NAME`` (``newsroom_consent``) holds ``v<version>:<choice>``, for example
``v3:closed``. It is SameSite=Lax, HttpOnly, Secure when the request came over HTTPS, and lasts a
year (the ``seen`` marker only for the browser session). A cookie carrying another version than
``NEWSROOM_COOKIE_POLICY_VERSION`` counts as no answer, so raising the version asks everyone again.
It is not signed: a reader who forges it only changes what they themselves are shown.

Modes (``NEWSROOM_COOKIE_CONSENT_MODE``)
----------------------------------------
``implied`` (the default, as on the reference site): the notice says that continued use is
consent, and has a Close button. ``opt-in`` (for GDPR-strict deployments): the notice has Accept
and Reject, only ``accepted`` is consent, and a rejection is remembered like an acceptance.

For views and templates
-----------------------
``CookieConsentMiddleware`` puts a ``ConsentState`` on ``request.cookie_consent``, and the
``consent`` context processor exposes it to templates as ``cookie_consent``. Reading
``request.COOKIES`` adds no ``Vary`` header, which is precisely why **reader templates must never
branch on it**: a shared cache would hand one reader's version to everyone. Staff pages and the
private endpoints may use it freely. Templates may branch on ``cookie_consent_mode``, which is the
same for every reader.
"""

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import get_callable
from django.utils.cache import patch_vary_headers
from django.utils.http import is_same_domain, url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

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

HIDE_NOTICE_CSS = "#cookie-notice{display:none!important}\n"

_COOKIE_VALUE = re.compile(r"v(?P<version>\d{1,9}):(?P<choice>[a-z]+)")


@dataclass(frozen=True)
class ConsentConfig:
    """The consent settings, read and checked in one place."""

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


@dataclass(frozen=True)
class ConsentState:
    """
    One reader's answer, as their consent cookie tells it.

    ``choice`` is ``None`` when there is no cookie, a malformed one, or one written for another
    policy version (``version`` then says which one it carried).
    """

    mode: str
    policy_version: int
    version: int | None = None
    choice: str | None = None

    @classmethod
    def from_request(cls, request, config=None):
        config = config or ConsentConfig.from_settings()
        state = cls(mode=config.mode, policy_version=config.policy_version)
        match = _COOKIE_VALUE.fullmatch(request.COOKIES.get(config.cookie_name, ""))
        if not match:
            return state
        version, choice = int(match["version"]), match["choice"]
        if version != config.policy_version or choice not in CHOICES:
            return cls(mode=config.mode, policy_version=config.policy_version, version=version)
        return cls(mode=config.mode, policy_version=config.policy_version, version=version, choice=choice)

    @property
    def is_given(self):
        """May non-essential cookies and scripts be used for this reader?"""
        if self.mode == OPT_IN:
            return self.choice == ACCEPTED
        return self.choice in (IMPLIED_CONSENT, CLOSED, ACCEPTED)

    @property
    def notice_closed(self):
        """Has the reader dealt with the notice, so that it is no longer shown?"""
        if self.mode == OPT_IN:
            return self.choice in (ACCEPTED, REJECTED)
        return self.choice in (CLOSED, ACCEPTED, REJECTED)

    def after_page_view(self):
        """The choice to record when this reader views a page, or ``None`` to leave it alone."""
        if self.mode != IMPLIED:
            return None  # opt-in: nothing is stored before the reader answers
        if self.choice is None:
            return SEEN
        if self.choice == SEEN:
            return IMPLIED_CONSENT
        return None


class CookieConsentMiddleware:
    """Puts the reader's ``ConsentState`` on ``request.cookie_consent``; adds no headers."""

    def __init__(self, get_response):
        self.get_response = get_response
        ConsentConfig.from_settings()  # a misconfigured mode or version stops start-up

    def __call__(self, request):
        request.cookie_consent = ConsentState.from_request(request)
        return self.get_response(request)


def consent(request):
    """
    Context processor. ``cookie_consent_mode`` and ``cookie_consent_scripts`` are the same for
    every reader; ``cookie_consent`` is per reader and must not change a cached page (see above).
    """
    config = ConsentConfig.from_settings()
    state = getattr(request, "cookie_consent", None) or ConsentState.from_request(request, config)
    return {
        "cookie_consent": state,
        "cookie_consent_mode": config.mode,
        "cookie_consent_scripts": bool(config.analytics_snippet),
    }


def set_consent_cookie(response, request, choice, config=None):
    """Write ``choice`` for the current policy version; the ``seen`` marker lasts a session."""
    config = config or ConsentConfig.from_settings()
    response.set_cookie(
        config.cookie_name,
        f"v{config.policy_version}:{choice}",
        max_age=None if choice == SEEN else ONE_YEAR,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


def _private(response):
    """Per-reader answers: never stored by a shared cache, nor reused by the browser."""
    patch_vary_headers(response, ["Cookie"])
    return response


@require_safe
@never_cache
def state_css(request):
    """
    ``/consent/state.css``: CSS that hides the notice for a reader who has dealt with it (empty
    otherwise), and the place where a page view is recorded for implied consent.
    """
    config = ConsentConfig.from_settings()
    state = ConsentState.from_request(request, config)
    css = HIDE_NOTICE_CSS if state.notice_closed else "/* cookie notice shown */\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    if next_choice := state.after_page_view():
        set_consent_cookie(response, request, next_choice, config)
    return _private(response)


def _analytics_script(snippet):
    """A URL (absolute, protocol-relative or root-relative) is loaded; anything else is code."""
    if re.match(r"^(https?:)?//|^/(?!/)", snippet) and not re.search(r"\s", snippet):
        return (
            "(function(){var s=document.createElement('script');s.async=true;"
            f"s.src={json.dumps(snippet)};document.head.appendChild(s);}})();\n"
        )
    return snippet + "\n"


@require_safe
@never_cache
def scripts_js(request):
    """
    ``/consent/scripts.js``: the non-essential scripts (``NEWSROOM_ANALYTICS_SNIPPET``) when the
    reader has consented, an empty script otherwise.
    """
    config = ConsentConfig.from_settings()
    state = ConsentState.from_request(request, config)
    body = "/* no consent, no scripts */\n"
    if state.is_given and config.analytics_snippet:
        body = "window.newsroomConsentScriptsLoaded=true;\n" + _analytics_script(config.analytics_snippet)
    return _private(HttpResponse(body, content_type="text/javascript; charset=utf-8"))


def _trusted_origins(request):
    yield f"{request.scheme}://{request.get_host()}"
    yield from settings.CSRF_TRUSTED_ORIGINS


def _is_trusted_origin(request, origin):
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    for trusted in _trusted_origins(request):
        trusted_parts = urlsplit(trusted)
        if "*" in trusted_parts.netloc:
            if parsed.scheme == trusted_parts.scheme and is_same_domain(
                parsed.netloc, trusted_parts.netloc.lstrip("*")
            ):
                return True
        elif origin == trusted:
            return True
    return False


def is_same_origin_request(request):
    """
    Did this request come from one of our own pages (Fetch Metadata first, then ``Origin``, then
    ``Referer``)? A request with none of them is not a browser's cross-site form, so it passes.
    """
    origin = request.headers.get("Origin")
    if origin and origin != "null" and _is_trusted_origin(request, origin):
        return True
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    if origin is not None:
        return False
    referer = request.headers.get("Referer")
    if referer:
        parts = urlsplit(referer)
        return _is_trusted_origin(request, f"{parts.scheme}://{parts.netloc}")
    return True


class HttpResponseSeeOther(HttpResponseRedirect):
    """After a POST, the page to GET: 303 says so without ambiguity."""

    status_code = 303


def _next_url(request):
    """The page the form was on, if it is on this site; the front page otherwise."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return "/"


@csrf_exempt  # checked by is_same_origin_request instead: see the module docstring
@require_POST
@never_cache
def choose(request):
    """
    ``POST /consent/`` with ``choice`` (the notice's button: ``close``, or ``accept``/``reject``
    in opt-in mode) and ``next`` (the page to go back to). Sets the consent cookie and answers
    JSON to ``consent.js`` (``Accept: application/json``), a 303 back to ``next`` otherwise.
    """
    if not is_same_origin_request(request):
        failure_view = get_callable(settings.CSRF_FAILURE_VIEW)
        return failure_view(request, reason="Cross-site consent request refused.")
    config = ConsentConfig.from_settings()
    buttons = BUTTONS[config.mode]
    button = request.POST.get("choice") or ("close" if config.mode == IMPLIED else "")
    if button not in buttons:
        return HttpResponseBadRequest("Unknown consent choice.")
    choice = buttons[button]
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        state = ConsentState(config.mode, config.policy_version, config.policy_version, choice)
        response = JsonResponse(
            {"choice": choice, "is_given": state.is_given, "notice_closed": state.notice_closed}
        )
    else:
        response = HttpResponseSeeOther(_next_url(request))
    return _private(set_consent_cookie(response, request, choice, config))


def cookie_policy(request):
    """The cookie policy page: the same for every reader (cacheable), in the configured mode."""
    config = ConsentConfig.from_settings()
    return render(
        request,
        "cookie_policy.html",
        {
            "cookie_name": config.cookie_name,
            "cookie_policy_version": config.policy_version,
            "cookie_lifetime_days": ONE_YEAR // (24 * 60 * 60),
        },
    )
