"""
Staff sessions end after NEWSROOM_STAFF_IDLE_MINUTES without activity.

Django's own way, SESSION_SAVE_EVERY_REQUEST with a short SESSION_COOKIE_AGE, would count every
request as activity, and the desk's change form sends a presence heartbeat every 30 seconds
(articles/presence.py): a story left open in a tab would keep its session alive for ever. So the
session keeps the time of its user's last request, heartbeats excepted, and a request that comes
later than the limit signs the user out before its view runs; the admin then sends them to its
login page, which says why.

Readers are never touched: a request without a session cookie is passed on without looking at the
session, so it is never loaded, never saved, and no reader page gets a Set-Cookie (the page cache
relies on that).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

LAST_ACTIVITY_KEY = "newsroom_last_activity"

# Requests a page makes by itself, which are no sign of anyone at the keyboard.
BACKGROUND_VIEWS = frozenset({"admin:articles_article_presence", "admin:articles_article_presence_leave"})


class StaffIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        idle_minutes = settings.NEWSROOM_STAFF_IDLE_MINUTES
        if not idle_minutes or settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return None
        limit = idle_minutes * 60
        now = timezone.now().timestamp()
        last = request.session.get(LAST_ACTIVITY_KEY)
        if last is not None and now - last > limit:
            logout(request)
            messages.info(request, f"You were logged out after {idle_minutes} minutes without activity.")
            return None
        match = request.resolver_match
        background = match is not None and match.view_name in BACKGROUND_VIEWS
        # Saved at most once a minute (or a tenth of the limit), not on every request.
        if not background and (last is None or now - last >= min(60, limit / 10)):
            request.session[LAST_ACTIVITY_KEY] = now
        return None


@receiver(user_logged_in, dispatch_uid="accounts.middleware.start_the_clock")
def start_the_clock(sender, request, user, **kwargs):
    """Logging in is activity: the session starts with its time (and the next request writes nothing)."""
    if request is not None and hasattr(request, "session") and user.is_staff:
        request.session[LAST_ACTIVITY_KEY] = timezone.now().timestamp()
