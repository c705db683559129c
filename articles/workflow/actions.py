"""
One small action per transition. Every action runs the same way (``Action.run``):

    lock the row → check (state, permission, comment, the action's own conditions)
    → act (change the row) → record (the audit event, and side effects on commit)

all in one database transaction, on the locked row rather than the caller's copy. Two editors
pressing Publish together therefore give one transition: the second waits for the lock, then
finds the story already published and is refused. Side effects (cache refreshes, emails) are
scheduled with ``transaction.on_commit``, so a refused or rolled-back action has none; once
committed, the action is done even if one of them fails (a cache purge is retried until it
lands, see ``pagecache.purges``; an email that cannot be sent is logged).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from articles import cachetags, notifications, photos, revisions
from articles.models import Article, WorkflowEvent
from articles.workflow import clock
from articles.workflow.transitions import TRANSITIONS, Status, transitions_from


class TransitionError(Exception):
    """
    A transition was refused. ``str(error)`` is written for the person who asked; ``field``
    names the form field at fault, if one is.
    """

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.field = field


def _local(moment):
    return date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else "none"


def _allowed_from(article, now):
    labels = [t.label for t in transitions_from(article.status) if t.applies(article, now)]
    return ", ".join(labels) if labels else "none"


class Action:
    """A transition taken on one article by one user (``None`` is the clock)."""

    name = ""

    def __init__(self, *, article, user, comment="", now=None, revision=None):
        self.transition = TRANSITIONS[self.name]
        self.article = article
        self.user = user
        self.comment = (comment or "").strip()
        self.now = now or timezone.now()
        # The revision number the editor reviewed: an approval applies to it and to no later one.
        self.reviewed_revision = revision

    def run(self):
        with transaction.atomic():
            article = self.lock()
            self.check(article)
            source, pk, section_before = Status(article.status), article.pk, article.section_id
            revision = self.act(article)
            self.record(article, source=source, pk=pk, revision=revision, sections={section_before})
        return article

    # --- lock ---------------------------------------------------------------------------------

    def lock(self):
        try:
            return (
                Article.objects.select_for_update(of=("self",))
                .select_related("latest_revision__created_by")
                .get(pk=self.article.pk)
            )
        except Article.DoesNotExist:
            raise TransitionError("This story no longer exists.") from None

    # --- check --------------------------------------------------------------------------------

    def check(self, article):
        """Refuse, changing nothing, unless this transition may be taken by this user now."""
        transition = self.transition
        status = Status(article.status)
        if status not in transition.moves or not transition.applies(article, self.now):
            raise TransitionError(
                f"Cannot {transition.label.lower()}: the article is {status.label}. "
                f"Allowed from {status.label}: {_allowed_from(article, self.now)}."
            )
        if not transition.allowed(self.user, article):
            raise TransitionError(f"You do not have permission to {transition.label.lower()} this article.")
        if transition.comment_required and not self.comment:
            raise TransitionError(
                f"{transition.label} needs a comment: {transition.comment_label.lower()}.", field="comment"
            )

    # --- act ----------------------------------------------------------------------------------

    def change(self, article):
        """The action's own change to the row: returns the fields changed and the revision concerned."""
        return [], None

    def act(self, article):
        changed, revision = self.change(article)
        article.status = self.transition.target(article.status)
        article.version += 1
        article.save(update_fields=["status", "version", "modified_at", *changed])
        return revision

    # --- record -------------------------------------------------------------------------------

    def event_comment(self):
        return self.comment

    def record(self, article, *, source, pk, revision, sections):
        event = WorkflowEvent.objects.create(
            article_id=pk,
            headline=article.headline,
            action=self.name,
            revision=revision or article.latest_revision,
            actor=self.user,
            from_status=source,
            to_status=self.transition.target(source),
            comment=self.event_comment(),
            created_at=self.now,
        )
        # The same test as the clock's below: a status or a time ahead that changed.
        schedule_changed = source != article.status or self.transition.reschedules
        if self.transition.affects_readers:
            cachetags.visibility_changed(
                article_pk=pk, section_pks={*sections, article.section_id}, schedule_changed=schedule_changed
            )
        # An email that cannot be sent is logged and sent again later; the transition has
        # committed, and the editor is told it is done (see ``notifications``).
        notifications.notify_on_commit(event)
        # A time ahead (an embargo, a take-down) is queued as a task for that time; a queued one
        # this action made stale finds nothing to do when it runs (see ``clock``).
        if schedule_changed:
            clock.schedule_on_commit(article)
        return event


# --- the actions ------------------------------------------------------------------------------


class Submit(Action):
    name = "submit"

    def change(self, article):
        article.submitted_revision = article.latest_revision
        return ["submitted_revision"], None


class SubmitUpdate(Submit):
    name = "submit_update"


class Return(Action):
    name = "return"

    def change(self, article):
        article.submitted_revision = None
        return ["submitted_revision"], None


class ReturnUpdate(Return):
    name = "return_update"


class _Approve(Action):
    """Make the latest revision what readers see: the one reviewed, with every photo described."""

    # Schedule times are approved with the revision only on first publication; an approved
    # story's times change through Reschedule.
    content_fields = revisions.CONTENT_FIELDS
    minor = False
    correction = ""

    def check(self, article):
        super().check(article)
        self._check_reviewed_revision(article)
        content = revisions.content_of(article)
        problem = photos.publication_problem(lead_photo_id=content["lead_photo"], body=content["body"])
        if problem:
            raise TransitionError(f"Cannot {self.transition.label.lower()}: {problem}")

    def _check_reviewed_revision(self, article):
        latest = article.latest_revision
        if self.reviewed_revision is None or latest is None or latest.number == self.reviewed_revision:
            return
        raise TransitionError(
            f"This story changed after you reviewed it: you reviewed revision {self.reviewed_revision}, "
            f"but revision {latest.number} by {latest.created_by or 'someone'} is the latest. "
            f"Review the latest revision before publishing it."
        )

    def change(self, article):
        revision = article.latest_revision
        if revision is None:
            revision = revisions.create_revision(
                article=article, content=revisions.snapshot(article), user=self.user
            )
        elif article.has_unpublished_changes:
            revisions.apply_content(article, revision.content, fields=self.content_fields)
        revision.published_at = self.now
        revision.minor = self.minor
        revision.correction_note = self.correction
        revision.save(update_fields=["published_at", "minor", "correction_note"])
        article.live_revision = revision
        article.submitted_revision = None
        article.has_unpublished_changes = False
        return ["live_revision", "submitted_revision", "has_unpublished_changes"], revision


class Publish(_Approve):
    name = "publish"

    def check(self, article):
        super().check(article)
        if article.expire_at and article.expire_at <= self.now:
            raise TransitionError(
                f"Cannot publish: the take-down time ({_local(article.expire_at)}) has passed. "
                "Change or clear it first.",
                field="expire_at",
            )

    def change(self, article):
        changed, revision = super().change(article)
        article.written_at = article.written_at or self.now
        return [*changed, "written_at"], revision


class Schedule(Publish):
    name = "schedule"

    def change(self, article):
        changed, revision = super(Publish, self).change(article)
        # "Written:" is when readers first get it: the embargo, unless it was live before.
        article.written_at = article.written_at or article.publish_at
        return [*changed, "written_at"], revision


class PublishUpdate(_Approve):
    name = "publish_update"
    content_fields = revisions.EDITORIAL_FIELDS
    stamps_update = True

    def __init__(self, *, correction="", **kwargs):
        super().__init__(**kwargs)
        self.correction = (correction or "").strip()

    def change(self, article):
        changed, revision = super().change(article)
        if self.stamps_update and self.transition.target(article.status) == Status.UPDATED:
            article.updated_at = self.now
            changed.append("updated_at")
        return changed, revision


class PublishCorrection(PublishUpdate):
    """A minor correction: readers get the fix, "Updated:" stays as it was."""

    name = "publish_correction"
    minor = True
    stamps_update = False


class Reschedule(Action):
    """
    New embargo and take-down times for an approved story. A scheduled story keeps an embargo in
    the future (Publish now lifts it); a live story cannot be embargoed again (readers have it:
    unpublish it instead); a take-down time is in the future (Unpublish takes it down now).
    """

    name = "reschedule"

    def __init__(self, *, publish_at, expire_at, **kwargs):
        super().__init__(**kwargs)
        self.publish_at = publish_at
        self.expire_at = expire_at

    def check(self, article):
        super().check(article)
        if article.status == Status.SCHEDULED:
            if self.publish_at is None:
                raise TransitionError(
                    "A scheduled story needs an embargo time. To put it on the site now, use Publish now.",
                    field="publish_at",
                )
            if self.publish_at <= self.now:
                raise TransitionError(
                    "The embargo time must be in the future. To put the story on the site now, "
                    "use Publish now.",
                    field="publish_at",
                )
        elif self.publish_at != article.publish_at:
            raise TransitionError(
                "This story is already live, so its embargo cannot change: readers have seen it. "
                "To take it off the site, unpublish it.",
                field="publish_at",
            )
        if self.expire_at is not None:
            if self.expire_at <= self.now:
                raise TransitionError(
                    "The take-down time must be in the future. To take the story down now, unpublish it.",
                    field="expire_at",
                )
            if self.publish_at and self.expire_at <= self.publish_at:
                raise TransitionError("The take-down time must be after the embargo time.", field="expire_at")
        if (self.publish_at, self.expire_at) == (article.publish_at, article.expire_at):
            raise TransitionError("Nothing to reschedule: these are the times already set.")

    def change(self, article):
        self.before = (article.publish_at, article.expire_at)
        if article.status == Status.SCHEDULED and article.written_at == article.publish_at:
            article.written_at = self.publish_at
        article.publish_at, article.expire_at = self.publish_at, self.expire_at
        return ["publish_at", "expire_at", "written_at"], None

    def event_comment(self):
        (publish_before, expire_before) = self.before
        changes = []
        if publish_before != self.publish_at:
            changes.append(f"embargo {_local(publish_before)} → {_local(self.publish_at)}")
        if expire_before != self.expire_at:
            changes.append(f"take-down {_local(expire_before)} → {_local(self.expire_at)}")
        return f"{self.comment} ({'; '.join(changes)})"


class LiftEmbargo(Action):
    """Put a scheduled story on the site now, before its embargo."""

    name = "lift_embargo"

    def change(self, article):
        if article.written_at == article.publish_at:
            article.written_at = self.now
        article.publish_at = None
        return ["publish_at", "written_at"], None


class _TakeDown(Action):
    """A story leaving the public is edited in place again: the row takes the latest content."""

    def change(self, article):
        changed = ["has_unpublished_changes", "submitted_revision"]
        if article.status == Status.SCHEDULED and article.publish_at > self.now:
            article.written_at = None  # withdrawn before readers ever saw it
            changed.append("written_at")
        if article.has_unpublished_changes and article.latest_revision:
            revisions.apply_content(
                article, article.latest_revision.content, fields=revisions.EDITORIAL_FIELDS
            )
        article.has_unpublished_changes = False
        article.submitted_revision = None
        return changed, None


class Unpublish(_TakeDown):
    name = "unpublish"


class Expire(_TakeDown):
    name = "expire"

    def change(self, article):
        changed, revision = super().change(article)
        article.expire_at = None  # done: republishing must not take it down again at once
        return [*changed, "expire_at"], revision


class GoLive(Action):
    name = "go_live"


class Delete(Action):
    """
    Delete a story readers never saw. Its revisions and workflow events stay, holding its id and
    headline, and this deletion is the last event. Bylines, Related News links (to and from it)
    and presence go with it.
    """

    name = "delete"

    def act(self, article):
        article.delete()
        return None

    def record(self, article, *, source, pk, revision, sections):
        # Nothing readers saw changes, and nobody is emailed about a story that is gone.
        return WorkflowEvent.objects.create(
            article_id=pk,
            headline=article.headline,
            action=self.name,
            revision=None,
            actor=self.user,
            from_status=source,
            to_status=WorkflowEvent.DELETED,
            comment=self.comment,
            created_at=self.now,
        )


ACTIONS = {
    action.name: action
    for action in [
        Submit,
        SubmitUpdate,
        Return,
        ReturnUpdate,
        Publish,
        Schedule,
        PublishUpdate,
        PublishCorrection,
        Reschedule,
        LiftEmbargo,
        Unpublish,
        Expire,
        GoLive,
        Delete,
    ]
}
