"""
The Content Security Policy: what it allows, built once from the settings, and sent by Django's own
``ContentSecurityPolicyMiddleware`` (``SECURE_CSP``, or ``SECURE_CSP_REPORT_ONLY`` to try a change).

Reader pages are kept whole and replayed to other readers, by the page cache and by nginx in
front of it, so their policy must be the same for every request: they carry no inline script or
style at all (``static/`` files; the consent app's per-reader part is a stylesheet of its own), and
their header never names a nonce. The middleware drops the nonce placeholder from the header of
any response that did not use a nonce, so a reader page's header is fixed. It goes after the page
cache in ``MIDDLEWARE``, so a stored page keeps the very header it was rendered with
(``pagecache.middleware.KEPT_HEADERS``) and a hit replays it with its own body.

A nonce is used only where a page is never kept: the admin (staff have a session, which the page
cache never serves) and the 500 page (``ops.views.server_error``). JSON-LD is a data block
(``<script type="application/ld+json">``): browsers never run it, so ``script-src`` does not apply.

Extra origins (an analytics service, a CDN) come from the environment, one variable per directive
(``NEWSROOM_CSP_SCRIPT_SRC`` ...), and the origins of an absolute ``STATIC_URL``, ``MEDIA_URL``
and of the analytics script (``NEWSROOM_ANALYTICS_SNIPPET``) are added by themselves.

This module imports nothing that reads the settings: ``newsroom/settings.py`` calls it.
"""

from urllib.parse import urlsplit

from django.utils.csp import CSP

# Where browsers send violation reports (ops.views.csp_report). With report-uri alone: a policy
# that also names a report-to group makes Chromium ignore report-uri and send through the Reporting
# API, which delivered nothing to a plain-HTTP test server in our browser tests, so that path could
# not be shown to work. report-uri works in every browser, at once. (The endpoint takes the
# Reporting API's bodies too, should a report-to group be added.)
REPORT_PATH = "/csp-report/"

# The policy of a response that is data, never a document: the live update endpoint's JSON, which
# a page's script reads with fetch() (CSP does not apply there). Opened as a page it may load
# nothing and be framed by no one. A quarter of the page policy's bytes, on the response every
# open live page asks for every 15 seconds (bench/RESULTS.md, (lv)).
DATA_POLICY = {"default-src": [CSP.NONE], "frame-ancestors": [CSP.NONE]}

# The directives whose extra origins come from the environment: NEWSROOM_CSP_SCRIPT_SRC and so on.
CONFIGURABLE = ("script-src", "style-src", "img-src", "font-src", "connect-src", "media-src", "frame-src")


def origin(url):
    """``https://cdn.example.com`` for an absolute (or protocol-relative) URL; ``None`` for a path."""
    parts = urlsplit(url or "")
    if not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme else parts.netloc


def policy(*, extra=None, analytics_script_url=None, static_url="", media_url=""):
    """
    The site's policy, as a ``SECURE_CSP`` mapping. ``extra`` maps a directive of ``CONFIGURABLE``
    to origins to allow besides this site's own; ``analytics_script_url`` is the consented
    analytics script's address (its origin may run scripts and receive its beacons).
    """
    extra = extra or {}
    unknown = set(extra) - set(CONFIGURABLE)
    if unknown:
        raise ValueError(
            f"No extra origins for {', '.join(sorted(unknown))}: only {', '.join(CONFIGURABLE)}."
        )
    analytics = origin(analytics_script_url)
    static, media = origin(static_url), origin(media_url)

    def sources(directive, *own):
        values = list(dict.fromkeys(v for v in [CSP.SELF, *own, *extra.get(directive, [])] if v))
        # Just this site: default-src says it (build_policy leaves out a directive set to None).
        return None if values == [CSP.SELF] else values

    return {
        # Anything not named below: this site only.
        "default-src": [CSP.SELF],
        # No inline script anywhere but where a nonce allows it (the admin); the nonce placeholder
        # is dropped from the header of every response that did not use one (all reader pages).
        "script-src": sources("script-src", static, analytics, CSP.NONCE),
        "style-src": sources("style-src", static, CSP.NONCE),
        "img-src": sources("img-src", static, media, analytics),
        "font-src": sources("font-src", static),
        "connect-src": sources("connect-src", analytics),
        "media-src": sources("media-src", media),
        "frame-src": sources("frame-src"),
        "object-src": [CSP.NONE],
        # No <base> may redirect relative URLs, and forms post only here.
        "base-uri": [CSP.NONE],
        "form-action": [CSP.SELF],
        # As X-Frame-Options: DENY says, for browsers that read only this.
        "frame-ancestors": [CSP.NONE],
        "report-uri": REPORT_PATH,
    }


def admin_policy(site_policy):
    """
    The admin's policy: the site's, but with inline styles allowed. CKEditor 5 puts its styles in
    ``<style>`` elements it creates as it runs, and sets ``style`` attributes in the editing view
    (its own CSP guide asks for ``style-src 'unsafe-inline'``); the desk's screens use ``style``
    attributes too (the focal point marker, thumbnails). A nonce cannot cover either, and a nonce
    in ``style-src`` would make browsers ignore ``'unsafe-inline'``, so it is left out there.
    Scripts stay as strict as on the site. Images also from ``data:`` and ``blob:``: CKEditor
    shows an image being uploaded from the file itself. Empty in, empty out (no header).
    """
    if not site_policy:
        return {}
    styles = [value for value in site_policy.get("style-src") or [CSP.SELF] if value != CSP.NONCE]
    images = site_policy.get("img-src") or [CSP.SELF]
    return {
        **site_policy,
        "style-src": [*styles, CSP.UNSAFE_INLINE],
        "img-src": [*images, "data:", "blob:"],
    }


# --- Violation reports (ops.views.csp_report) -------------------------------------------------

# A report is the browser's word, which a page's script or anyone can forge: each value is cut
# short and stripped of control characters (no forged log lines in the text format), and addresses
# lose their query string and fragment (search terms and preview tokens stay out of the log, as
# in the access log).
MAX_TEXT = 300
_CONTROL = dict.fromkeys(range(32)) | {127: None}

# Our field <- report-uri's name, the Reporting API's name.
FIELDS = {
    "document_uri": ("document-uri", "documentURL"),
    "referrer": ("referrer", "referrer"),
    "effective_directive": ("effective-directive", "effectiveDirective"),
    "violated_directive": ("violated-directive", "effectiveDirective"),
    "blocked_uri": ("blocked-uri", "blockedURL"),
    "source_file": ("source-file", "sourceFile"),
    "line_number": ("line-number", "lineNumber"),
    "column_number": ("column-number", "columnNumber"),
    "disposition": ("disposition", "disposition"),
    "status_code": ("status-code", "statusCode"),
    "sample": ("script-sample", "sample"),
}
URL_FIELDS = {"document_uri", "referrer", "blocked_uri", "source_file"}
NUMBER_FIELDS = {"line_number", "column_number", "status_code"}


def clean_text(value):
    return str(value).translate(_CONTROL)[:MAX_TEXT]


def clean_url(value):
    """An address without query or fragment; a keyword (``inline``, ``eval``) as it is."""
    text = clean_text(value)
    return text.split("?", 1)[0].split("#", 1)[0]


def _clean(field, value):
    if value is None or isinstance(value, dict | list):
        return None
    if field in NUMBER_FIELDS:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return clean_url(value) if field in URL_FIELDS else clean_text(value)


def _violation(report, names):
    """Our fields from one report's dict, whose keys are report-uri's (0) or the Reporting API's (1)."""
    violation = {field: _clean(field, report.get(keys[names])) for field, keys in FIELDS.items()}
    # Older browsers send only violated-directive, which may carry the directive's whole value.
    if not violation["effective_directive"] and violation["violated_directive"]:
        violation["effective_directive"] = violation["violated_directive"].split(" ", 1)[0]
    return violation


def report_uri_violations(data):
    """The violation in a ``report-uri`` body (``{"csp-report": {...}}``), or ``None`` if it is not one."""
    report = data.get("csp-report") if isinstance(data, dict) else None
    if not isinstance(report, dict):
        return None
    return [_violation(report, 0)]


def reporting_api_violations(data):
    """
    The CSP violations in a Reporting API body (a list of ``{"type", "body", "user_agent"...}``;
    other types of report are left out), or ``None`` if it is not such a list.
    """
    if not isinstance(data, list) or not all(isinstance(report, dict) for report in data):
        return None
    violations = []
    for report in data:
        if report.get("type") == "csp-violation" and isinstance(report.get("body"), dict):
            violation = _violation(report["body"], 1)
            if report.get("user_agent"):
                violation["user_agent"] = clean_text(report["user_agent"])
            violations.append(violation)
    return violations
