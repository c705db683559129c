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

Modules
-------
``config`` (the settings, read and checked), ``state`` (the cookie: one reader's answer, and
writing it), ``middleware``, ``context_processors``, ``origin`` (the same-origin check that
stands in for CSRF) and ``views`` (``state.css``, ``scripts.js``, the form's endpoint and the
cookie policy page), routed by ``urls``.
"""
