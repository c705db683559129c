"""
The private consent endpoints (per reader, never stored by a shared cache) and the cookie policy
page (the same for everyone). See the app's docstring for why they are shaped so.
"""

import json

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import get_callable
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from consent.config import BUTTONS, IMPLIED, ONE_YEAR, ConsentConfig, analytics_script_url
from consent.origin import is_same_origin_request
from consent.state import ConsentState, set_consent_cookie

HIDE_NOTICE_CSS = "#cookie-notice{display:none!important}\n"


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
    """A URL (``analytics_script_url``) is loaded; anything else is code."""
    if url := analytics_script_url(snippet):
        return (
            "(function(){var s=document.createElement('script');s.async=true;"
            f"s.src={json.dumps(url)};document.head.appendChild(s);}})();\n"
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


@csrf_exempt  # checked by is_same_origin_request instead: see the app's docstring
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


@require_safe
def cookie_policy(request):
    """
    The cookie policy page: the same for every reader (the project's urls let the page cache keep
    it), in the configured mode. Context: ``cookie_name``, ``cookie_policy_version``,
    ``cookie_lifetime_days``.
    """
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
