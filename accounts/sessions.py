"""
The session store (``SESSION_ENGINE``): Django's database sessions, reading only session keys
that Django could have made.

A session cookie is whatever the browser sends, and Python's cookie parser turns an octal escape
in a quoted value (``sessionid="abc\\000..."``) into the character itself: the key then carried a
NUL into the session query, which PostgreSQL refuses (DataError, a 500 on any page). Django makes
its keys of lowercase letters and digits only, so any other key names no session: the request
goes on as a signed-out one, as with an expired key.
"""

import re

from django.contrib.sessions.backends import db

_POSSIBLE_KEY = re.compile(r"[a-z0-9]+")  # django.contrib.sessions.backends.base.VALID_KEY_CHARS


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key):
        return super()._validate_session_key(key) and _POSSIBLE_KEY.fullmatch(key) is not None
