"""
The demo newsroom's running live story (``manage.py load_demo``): the storm story followed post
by post over the last six hours, through ``live.actions`` like the desk, its times set back.
"""

from datetime import timedelta

from live import actions
from live.models import LiveCoverage, LivePost

LIVE_STORY_SLUG = "storm-diverts-shipping"

# (hours ago, title, text, key event, pinned), oldest first.
POSTS = [
    (
        6.0,
        "Storm warning raised",
        "The weather agency raised its warning to the highest level for the strait.",
        True,
        False,
    ),
    (5.2, "", "Harbour pilots say the first container ships are slowing outside the lane.", False, False),
    (
        4.5,
        "Shipping lane closed",
        "The maritime authority closed the lane to vessels over 5,000 tonnes until further notice.",
        True,
        False,
    ),
    (3.6, "", "Ferries to the outer islands are cancelled for the rest of the day.", False, False),
    (
        2.8,
        "Winds reach 110 km/h",
        "Gusts of 110 km/h were recorded at the lighthouse on Gull Point.",
        False,
        False,
    ),
    (
        1.7,
        "",
        "The coast guard says two fishing boats that reported engine trouble are now in port.",
        False,
        False,
    ),
    (
        0.9,
        "What we know so far",
        "The lane is closed, ferries are cancelled and no injuries have been reported. "
        "Follow this page for updates through the night.",
        False,
        True,
    ),
    (
        0.3,
        "Ships anchored off Port Halden",
        "Eleven ships are now at anchor off Port Halden waiting for the lane to reopen.",
        False,
        False,
    ),
]


def load_live_story(*, article, editor, reporter, now):
    """
    Make ``article`` live with the demo's posts, unless it is already: returns the number of
    posts added. The editor posts them all (the demo's trail has the editor as its one actor),
    every third under the reporter's byline.
    """
    if LiveCoverage.objects.filter(article=article).exists():
        return 0
    coverage = actions.start_coverage(user=editor, article=article)
    LiveCoverage.objects.filter(pk=coverage.pk).update(started_at=now - timedelta(hours=6.5))
    for number, (hours_ago, title, text, key_event, pinned) in enumerate(POSTS):
        byline = getattr(reporter if number % 3 == 1 else editor, "author", None)
        post = actions.add_post(
            user=editor,
            coverage=coverage,
            title=title,
            body=f"<p>{text}</p>",
            authors=[byline] if byline else [],
            key_event=key_event,
            pinned=pinned,
        )
        at = now - timedelta(hours=hours_ago)
        LivePost.objects.filter(pk=post.pk).update(posted_at=at, approved_at=at)
    return len(POSTS)
