"""
Running the site in production: what a load balancer, a log collector and a deploy need.

* **Probes** (``ops.views``, answered by ``ops.middleware.ProbeMiddleware``). ``/healthz`` says the
  process answers: 200, touching neither the database nor the cache. ``/readyz`` says it can serve:
  it checks the database and the cache, each in a worker thread bounded by
  ``NEWSROOM_READYZ_TIMEOUT`` seconds, and answers 200, or 503 naming the failing part, in JSON.
  Both are ``Cache-Control: no-store``. They are answered before the rest of the middleware stack:
  a probe comes over plain HTTP straight to gunicorn, with the pod's address as its host, and
  ``/healthz`` must not depend on what it is not checking. So no HTTPS redirect, no
  ``ALLOWED_HOSTS``, no session, and no page cache (which reads the cache for every anonymous
  GET). They are routed in ``newsroom/urls.py`` too, so that they can be reversed and no section
  can take their addresses.
* **Request ids and JSON logs** (``ops.requestid``, ``ops.jsonlog``, ``ops.middleware``). Every
  request gets an id: the incoming ``X-Request-ID`` when it is a sane token (a proxy's or a load
  balancer's, so that their logs and ours line up), otherwise a new one. It is sent back as
  ``X-Request-ID`` and put on every log record made while the request runs. In production each
  log record is one JSON object on one line of stdout, and each request ends with an access line
  (method, path, status, duration). The header is set outside the page cache, on every response:
  a stored page never keeps it (``pagecache.middleware.KEPT_HEADERS``), a hit gets its own, and
  nothing varies on it.
* **The database failing** (``ops.database``, ``ops.postgresql``): a request whose database work
  fails gets a 503 page with ``Retry-After``, never the 500 page, and one log record; in a web
  process no wait for PostgreSQL's answer outlasts ``DATABASE_QUERY_TIMEOUT``.
* **Static files** (``ops.staticfiles``): a missing manifest entry costs one unhashed URL and a
  warning, never a page.
"""
