"""What the live stories' tests share: a published live story with posts, made through the actions."""

import datetime

from django.utils import timezone

from live import actions
from live.models import LivePost
from tests.factories import EditorFactory, PublishedArticleFactory


def live_story(*, posts=0, editor=None, **article):
    """A published story made live by an editor, with ``posts`` posts an hour apart (oldest first)."""
    editor = editor or EditorFactory()
    story = PublishedArticleFactory(**article)
    coverage = actions.start_coverage(user=editor, article=story)
    start = timezone.now() - datetime.timedelta(hours=posts)
    made = []
    for number in range(1, posts + 1):
        post = actions.add_post(
            user=editor, coverage=coverage, title=f"Update {number}", body=f"<p>Text {number}.</p>"
        )
        LivePost.objects.filter(pk=post.pk).update(posted_at=start + datetime.timedelta(hours=number))
        made.append(post)
    return coverage, made, editor
