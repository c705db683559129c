"""
The only way live coverage and its posts change: start, close, the approval setting, and a post
added, approved, edited or deleted. Each action, like ``articles.workflow``'s, runs in one
database transaction on the locked coverage row rather than the caller's copy:

    check permission → lock → check state → change the rows → revision → audit event
    → refresh readers' pages on commit

The audit events go in the story's own trail (``WorkflowEvent``, with the story's status
unchanged), so the desk reads a live story's history in one place, and it outlives the posts.
Readers' pages carry the story's tag (``cachetags.article``): moving it after commit shows a
post everywhere within a second, the update endpoint included.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

import pagecache
from articles import cachetags
from articles.html import clean_html
from articles.models import Article, WorkflowEvent
from articles.permissions import is_editor
from live.models import LiveCoverage, LivePost, LivePostRevision

POST_PERMISSION = "live.add_livepost"


class LiveError(Exception):
    """A live action was refused. ``str(error)`` is written for the person who asked."""


# --- who may do what --------------------------------------------------------------------------


def can_post(user):
    return user.is_active and user.has_perm(POST_PERMISSION)


def goes_out_at_once(user, coverage):
    """An editor's post goes out at once; a reporter's waits when the story asks for approval."""
    return is_editor(user) or not coverage.reporter_posts_need_approval


def can_change_post(user, post):
    """Editors change any post; a reporter only their own, while it waits for approval."""
    return is_editor(user) or (can_post(user) and not post.is_approved and post.created_by_id == user.pk)


def _require(allowed, what):
    if not allowed:
        raise LiveError(f"You do not have permission to {what}.")


# --- shared steps -----------------------------------------------------------------------------


def _lock(coverage):
    try:
        return LiveCoverage.objects.select_for_update().select_related("article").get(pk=coverage.pk)
    except LiveCoverage.DoesNotExist:
        raise LiveError("This live story no longer exists.") from None


def _record(article, *, user, action, comment="", now=None):
    """An audit event in the story's trail; a live action never changes the story's status."""
    return WorkflowEvent.objects.create(
        article_id=article.pk,
        headline=article.headline,
        action=action,
        actor=user,
        from_status=article.status,
        to_status=article.status,
        comment=comment,
        created_at=now or timezone.now(),
    )


def _describe(post):
    return f"post {post.pk}" + (f" “{post.title}”" if post.title else "")


def _snapshot(post, *, user, now):
    LivePostRevision.objects.create(
        post=post,
        content={
            "title": post.title,
            "body": post.body,
            "photo": post.photo_id,
            "key_event": post.key_event,
            "pinned": post.pinned,
            "authors": sorted(author.pk for author in post.authors.all()),
            "correction_note": post.correction_note,
            "approved": post.is_approved,
        },
        created_by=user,
        created_at=now,
    )


def _refresh_stream(article):
    """After commit, every page showing the story's stream (its page, the update endpoint)."""
    pagecache.invalidate_on_commit(cachetags.article(article.pk))


def _clean_body(body):
    cleaned = clean_html(body)
    if not strip_tags(cleaned).strip() and "<img" not in cleaned:
        raise LiveError("A post needs some text (or a photo in its text).")
    return cleaned


def _unpin_others(coverage, post):
    """One pinned post at a time: pinning a post unpins the one before."""
    coverage.posts.filter(pinned=True).exclude(pk=post.pk).update(pinned=False)


# --- coverage ---------------------------------------------------------------------------------


def start_coverage(*, user, article, reporter_posts_need_approval=True):
    """Make ``article`` a live story; its card shows LIVE while it runs."""
    _require(is_editor(user), "start live coverage")
    now = timezone.now()
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        if LiveCoverage.objects.filter(article=article).exists():
            raise LiveError(f"“{article}” already is a live story.")
        coverage = LiveCoverage.objects.create(
            article=article, started_at=now, reporter_posts_need_approval=reporter_posts_need_approval
        )
        _record(article, user=user, action="live_started", now=now)
        cachetags.cards_changed(articles=[article])
    return coverage


def close_coverage(*, user, coverage):
    """End the coverage: readers' pages stop updating and say that it has ended."""
    _require(is_editor(user), "close live coverage")
    now = timezone.now()
    with transaction.atomic():
        coverage = _lock(coverage)
        if not coverage.is_running:
            raise LiveError("This live coverage has already ended.")
        coverage.ended_at = now
        coverage.save(update_fields=["ended_at"])
        _record(coverage.article, user=user, action="live_closed", now=now)
        cachetags.cards_changed(articles=[coverage.article])
    return coverage


def set_approval(*, user, coverage, required):
    """Whether reporters' posts on this story wait for an editor's approval."""
    _require(is_editor(user), "change who approves posts")
    with transaction.atomic():
        coverage = _lock(coverage)
        if coverage.reporter_posts_need_approval == required:
            return coverage
        coverage.reporter_posts_need_approval = required
        coverage.save(update_fields=["reporter_posts_need_approval"])
        state = "need" if required else "no longer need"
        _record(
            coverage.article,
            user=user,
            action="live_approval_changed",
            comment=f"Reporters' posts {state} approval",
        )
    return coverage


# --- posts ------------------------------------------------------------------------------------


def add_post(*, user, coverage, body, title="", authors=(), photo=None, key_event=False, pinned=False):
    """
    A new post on a running live story: out at once for an editor (or when the story does not
    ask for approval), waiting for an editor's approval otherwise. ``authors`` default to the
    poster's own byline.
    """
    _require(can_post(user), "post on live stories")
    body = _clean_body(body)
    now = timezone.now()
    with transaction.atomic():
        coverage = _lock(coverage)
        if not coverage.is_running:
            raise LiveError("This live coverage has ended: no more posts can be added.")
        at_once = goes_out_at_once(user, coverage)
        post = LivePost.objects.create(
            coverage=coverage,
            title=title.strip(),
            body=body,
            photo=photo,
            key_event=key_event,
            pinned=pinned,
            posted_at=now,
            approved_at=now if at_once else None,
            approved_by=user if at_once else None,
            created_by=user,
        )
        byline = getattr(user, "author", None)
        post.authors.set(list(authors) or ([byline] if byline else []))
        if pinned:
            _unpin_others(coverage, post)
        _snapshot(post, user=user, now=now)
        waiting = "" if at_once else " (waiting for approval)"
        _record(
            coverage.article,
            user=user,
            action="live_post_added",
            comment=f"Added {_describe(post)}{waiting}",
            now=now,
        )
        if at_once:
            _refresh_stream(coverage.article)
    return post


def _lock_post(post):
    coverage = _lock(post.coverage)
    try:
        return coverage, LivePost.objects.select_for_update().get(pk=post.pk, coverage=coverage)
    except LivePost.DoesNotExist:
        raise LiveError("This post no longer exists.") from None


def approve_post(*, user, post):
    """An editor's one click: the waiting post goes out now, at the top of the stream."""
    _require(is_editor(user), "approve posts")
    now = timezone.now()
    with transaction.atomic():
        coverage, post = _lock_post(post)
        if post.is_approved:
            raise LiveError("This post is already out.")
        post.approved_at = post.posted_at = now
        post.approved_by = user
        post.version += 1
        post.save(update_fields=["approved_at", "posted_at", "approved_by", "version"])
        _snapshot(post, user=user, now=now)
        _record(
            coverage.article,
            user=user,
            action="live_post_approved",
            comment=f"Approved {_describe(post)}",
            now=now,
        )
        _refresh_stream(coverage.article)
    return post


def edit_post(
    *, user, post, body, title="", photo=None, key_event=False, pinned=False, correction_note="", authors=None
):
    """
    Change a post (``authors`` ``None``: as they are). A post already out that is corrected
    carries ``correction_note``, shown to readers as a correction with its time; the post keeps
    its place in the stream.
    """
    body = _clean_body(body)
    now = timezone.now()
    with transaction.atomic():
        coverage, post = _lock_post(post)
        _require(can_change_post(user, post), "edit this post")
        correction_note = correction_note.strip()
        post.title, post.body, post.photo = title.strip(), body, photo
        post.key_event, post.pinned = key_event, pinned
        changed = ["title", "body", "photo", "key_event", "pinned", "version"]
        if correction_note and post.is_approved:
            post.correction_note, post.corrected_at = correction_note, now
            changed += ["correction_note", "corrected_at"]
        post.version += 1
        post.save(update_fields=changed)
        if authors is not None:
            post.authors.set(authors)
        if pinned:
            _unpin_others(coverage, post)
        _snapshot(post, user=user, now=now)
        what = (
            f"Corrected {_describe(post)}: {correction_note}"
            if "corrected_at" in changed
            else f"Edited {_describe(post)}"
        )
        _record(coverage.article, user=user, action="live_post_edited", comment=what, now=now)
        if post.is_approved:
            _refresh_stream(coverage.article)
    return post


def delete_post(*, user, post):
    """Remove a post; its revisions and the audit event keep what it said."""
    with transaction.atomic():
        coverage, post = _lock_post(post)
        _require(can_change_post(user, post), "delete this post")
        was_out, described = post.is_approved, _describe(post)
        post.delete()
        _record(coverage.article, user=user, action="live_post_deleted", comment=f"Deleted {described}")
        if was_out:
            _refresh_stream(coverage.article)
