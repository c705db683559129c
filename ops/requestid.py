"""The id of the request being served, for the response header and for every log record."""

import contextvars
import re
import uuid

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"

# What an incoming id may be: a UUID, nginx's $request_id (32 hex digits), a load balancer's
# trace id (AWS: Root=1-67891233-abcdef012345678912345678). Anything else (too long, spaces,
# quotes, control characters) is replaced: it goes into a header and into every log line.
SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:;=+/@-]{0,127}")

_current = contextvars.ContextVar("request_id", default=None)


def from_request(meta):
    """The incoming id in ``meta`` (a WSGI environ, ``request.META``) if it is sane, else a new one."""
    incoming = meta.get(META_KEY, "")
    return incoming if SANE.fullmatch(incoming) else uuid.uuid4().hex


def current():
    """The id of the request this code runs for, or ``None`` (a command, a thread of its own)."""
    return _current.get()


def bind(request_id):
    """Make ``request_id`` current, until ``unbind`` (Django's ``request_finished``, ``ops.apps``)."""
    _current.set(request_id)


def unbind(**kwargs):
    """No request is current (a ``request_finished`` receiver, hence ``**kwargs``)."""
    _current.set(None)
