"""
Editor's Pick curation: the only way a pick list changes.

A list is either the site-wide one (``section=None``) or one section's. Each function here, in
one database transaction, checks that the user may curate, locks the list's rows
(``select_for_update``) and decides on what it finds there rather than on the caller's
possibly stale copy, changes the rows so positions stay ``0..n-1`` in the list, and writes a
``CurationEvent``. A request that changes nothing (moving the top entry up, saving the same
times) writes nothing.

Places in messages and event details are counted from 1, as the curation screen shows them.

Picks are never removed when a story leaves the public: ``EditorsPick.objects.showing()``
leaves them out of every list until a curator removes them (or the story comes back).
"""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from articles import cachetags, notifications
from articles.models import Article, CurationEvent, EditorsPick, Section
from articles.permissions import is_curator

Action = CurationEvent.Action
UP, DOWN = "up", "down"


class CurationError(Exception):
    """A curation change was refused. ``str(error)`` is written for the person who asked."""


def add_pick(
    *,
    user: AbstractBaseUser,
    article: Article,
    section: Section | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> EditorsPick:
    """
    Put a published ``article`` at the top of a list (``section=None``: the site-wide one),
    shown from ``starts_at`` until ``ends_at`` (either may be open). Returns the new pick.
    """
    _check_curator(user, "add stories to")
    _check_window(starts_at, ends_at)
    with transaction.atomic():
        picks = _lock_list(section)
        article = Article.objects.get(pk=article.pk)
        if not Article.objects.published().filter(pk=article.pk).exists():
            raise CurationError(
                f"Only published stories can be picked. “{article}” is {_describe_unpublished(article)}."
            )
        if any(pick.article_id == article.pk for pick in picks):
            raise CurationError(f"“{article}” is already in {describe_list(section)}.")
        try:
            # A savepoint: a pick added by someone else just now leaves the transaction usable.
            with transaction.atomic():
                pick = EditorsPick.objects.create(
                    article=article, section=section, position=0, starts_at=starts_at, ends_at=ends_at
                )
        except IntegrityError:
            raise CurationError(f"“{article}” is already in {describe_list(section)}.") from None
        _renumber([pick, *picks])
        event = _record(Action.ADDED, pick, user, f"at position 1, {describe_window(starts_at, ends_at)}")
        notifications.pick_added_on_commit(event, pick)
    return pick


def remove_pick(*, user: AbstractBaseUser, pick: EditorsPick) -> None:
    """Take ``pick`` out of its list; the entries below it move up."""
    _check_curator(user, "remove stories from")
    with transaction.atomic():
        picks = _lock_list(pick.section)
        current = _find(picks, pick)
        picks.remove(current)
        current.delete()
        _renumber(picks)
        _record(Action.REMOVED, current, user, f"was at position {current.position + 1}")


def move_pick(*, user: AbstractBaseUser, pick: EditorsPick, direction: str) -> EditorsPick:
    """
    Swap ``pick`` with its neighbour above (``"up"``) or below (``"down"``) and return it.
    At the top or bottom of the list nothing changes and nothing is recorded.
    """
    _check_curator(user, "reorder")
    if direction not in (UP, DOWN):
        raise CurationError(f"Unknown direction {direction!r}: choose “up” or “down”.")
    with transaction.atomic():
        picks = _lock_list(pick.section)
        current = _find(picks, pick)
        old = picks.index(current)
        new = old - 1 if direction == UP else old + 1
        if not 0 <= new < len(picks):
            return current
        picks[old], picks[new] = picks[new], picks[old]
        _renumber(picks)
        _record(Action.MOVED, current, user, f"position {old + 1} → {new + 1}")
    return current


def reorder(
    *, user: AbstractBaseUser, section: Section | None, pick_ids: Iterable[int | str]
) -> list[EditorsPick]:
    """
    Put the list (``section=None``: the site-wide one) in the order of ``pick_ids``, which must
    name every pick in it exactly once (drag and drop sends the whole order). Returns the picks
    in their new order. Only the entries that were moved are recorded, not the ones that shifted
    to make room: dragging one story to the top writes one event.
    """
    _check_curator(user, "reorder")
    with transaction.atomic():
        picks = _lock_list(section)
        by_id = {pick.pk: pick for pick in picks}
        try:
            wanted = [int(pick_id) for pick_id in pick_ids]
        except (TypeError, ValueError):
            raise CurationError("The new order names something that is not a pick.") from None
        strangers = [pick_id for pick_id in wanted if pick_id not in by_id]
        if strangers:
            raise CurationError(
                f"The new order names picks that are not in {describe_list(section)}: "
                f"{', '.join(map(str, strangers))}. Reload the page and try again."
            )
        if len(wanted) != len(set(wanted)):
            raise CurationError("The new order names a pick more than once. Reload the page and try again.")
        if len(wanted) != len(picks):
            raise CurationError(
                f"{describe_list(section).capitalize()} changed while you were reordering it. "
                "Reload the page and try again."
            )
        old_places = {pick.pk: place for place, pick in enumerate(picks)}
        ordered = [by_id[pick_id] for pick_id in wanted]
        for place in _moved_entries([old_places[pick.pk] for pick in ordered]):
            pick = ordered[place]
            _record(Action.MOVED, pick, user, f"position {old_places[pick.pk] + 1} → {place + 1}")
        _renumber(ordered)
    return ordered


def set_window(
    *, user: AbstractBaseUser, pick: EditorsPick, starts_at: datetime | None, ends_at: datetime | None
) -> EditorsPick:
    """Show ``pick`` from ``starts_at`` until ``ends_at`` (``None``: no limit) and return it."""
    _check_curator(user, "change the times of")
    _check_window(starts_at, ends_at)
    with transaction.atomic():
        current = _find(_lock_list(pick.section), pick)
        if (current.starts_at, current.ends_at) == (starts_at, ends_at):
            return current
        was = describe_window(current.starts_at, current.ends_at)
        current.starts_at, current.ends_at = starts_at, ends_at
        current.save(update_fields=["starts_at", "ends_at"])
        _record(Action.RESCHEDULED, current, user, f"{describe_window(starts_at, ends_at)} (was: {was})")
        notifications.pick_window_set_on_commit(current)
    return current


# --- descriptions, shared with the curation screen -------------------------------------------


def describe_list(section: Section | None) -> str:
    return f"the {section.name} list" if section is not None else "the site-wide list"


def describe_window(starts_at: datetime | None, ends_at: datetime | None) -> str:
    """E.g. "shows 2026-03-01 09:00 – 2026-03-02 09:00" in the site time zone."""
    if starts_at and ends_at:
        return f"shows {_local(starts_at)} – {_local(ends_at)}"
    if starts_at:
        return f"shows from {_local(starts_at)}"
    if ends_at:
        return f"shows until {_local(ends_at)}"
    return "shows with no time limit"


def describe_not_showing(pick: EditorsPick, *, now: datetime | None = None) -> str:
    """
    Why a pick that ``EditorsPick.objects.showing()`` leaves out is not on the site, in the
    curator's words. Only explains: whether it shows is for ``showing()`` to decide.
    """
    now = now or timezone.now()
    story = pick.article.reader_state(now=now)  # published() decides; it only says why
    if not story.is_live:
        return f"story {story.label[0].lower()}{story.label[1:]}"  # e.g. "story scheduled for …"
    if pick.ends_at and pick.ends_at <= now:
        return f"expired at {_local(pick.ends_at)}"
    if pick.starts_at and pick.starts_at > now:
        return f"not yet started: starts {_local(pick.starts_at)}"
    return "not on display"


# --- helpers -----------------------------------------------------------------------------------


def _check_curator(user, what):
    if user is None or not is_curator(user):
        raise CurationError(
            f"You do not have permission to {what} Editor's Pick lists: only chief editors curate them."
        )


def _check_window(starts_at, ends_at):
    if starts_at and ends_at and ends_at <= starts_at:
        raise CurationError(
            f"A pick must end after it starts: it would end {_local(ends_at)}, "
            f"not after its start {_local(starts_at)}."
        )


def _lock_list(section):
    """The list's picks, locked until the transaction ends, in their order."""
    if isinstance(section, Section):
        # Also lock the section, so two first additions to an empty list wait for each other.
        Section.objects.select_for_update().get(pk=section.pk)
        lookup = {"section": section}
    elif section is None:
        lookup = {"section__isnull": True}
    else:
        raise TypeError(f"section must be a Section or None, not {section!r}")
    return list(
        EditorsPick.objects.select_for_update(of=("self",))
        .filter(**lookup)
        .select_related("article", "section")
        .order_by("position", "pk")
    )


def _find(picks, pick):
    for candidate in picks:
        if candidate.pk == pick.pk:
            return candidate
    raise CurationError(
        f"“{pick.article}” is no longer in {describe_list(pick.section)}: someone removed it."
    )


def _renumber(picks):
    """Give the picks positions 0..n-1 in the order given, writing only those that changed."""
    changed = []
    for position, pick in enumerate(picks):
        if pick.position != position:
            pick.position = position
            changed.append(pick)
    if changed:
        EditorsPick.objects.bulk_update(changed, ["position"])


def _moved_entries(old_places):
    """
    Given each entry's old place, in the new order, the new places of the entries that moved:
    all but a longest run that kept its relative order.
    """
    length = [1] * len(old_places)
    previous = [None] * len(old_places)
    for i, place in enumerate(old_places):
        for j in range(i):
            if old_places[j] < place and length[j] + 1 > length[i]:
                length[i], previous[i] = length[j] + 1, j
    kept = set()
    i = max(range(len(old_places)), key=length.__getitem__, default=None)
    while i is not None:
        kept.add(i)
        i = previous[i]
    return [i for i in range(len(old_places)) if i not in kept]


def _describe_unpublished(article):
    now = timezone.now()
    if article.status in Article.Status.approved():
        if article.publish_at and article.publish_at > now:
            return f"embargoed until {_local(article.publish_at)}"
        if article.expire_at and article.expire_at <= now:
            return f"taken down since {_local(article.expire_at)}"
    return article.get_status_display().lower()


def _record(action, pick, user, detail):
    event = CurationEvent.objects.create(
        action=action, article=pick.article, section=pick.section, actor=user, detail=detail
    )
    cachetags.picks_changed()
    return event


def _local(moment):
    return date_format(timezone.localtime(moment), "Y-m-d H:i")
