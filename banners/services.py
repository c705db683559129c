"""
Setting, changing and ending a breaking-news banner: the only writes to ``Banner``.

Each function runs in one transaction: it checks that the user may (editors and chief editors
hold the ``banners`` permissions, reporters none: ``articles.roles``), locks the banner's row
and decides on what it finds there, validates the banner as the admin form does
(``full_clean``: a short text, a story readers can see, an expiry after the start, one banner
per scope), writes it, records a ``BannerEvent`` and refreshes, once it commits, the pages of
every scope it touched (``pagecache.invalidate_on_commit``). A save that changes nothing
writes nothing.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format

import pagecache
from banners import cachetags
from banners.models import ONE_PER_SCOPE_MESSAGE, Banner, BannerEvent, describe_scope

Action = BannerEvent.Action


class BannerError(Exception):
    """A banner change was refused. ``str(error)`` is written for the person who asked."""


def banner_save(*, user: AbstractBaseUser, banner: Banner) -> Banner:
    """
    Set ``banner`` (unsaved: a new banner for its scope) or save the changes made to it, and
    return it as saved.
    """
    adding = banner.pk is None
    _check_permission(user, "add" if adding else "change")
    banner.text = banner.text.strip()
    with transaction.atomic():
        if adding:
            action, detail, touched = Action.CREATED, describe(banner), {banner.section_id}
        else:
            current = _locked(banner)
            if _fields(current) == _fields(banner):
                return current
            action, detail = Action.CHANGED, f"{describe(banner)} (was: {describe(current)})"
            touched = {current.section_id, banner.section_id}
        _validate(banner)
        try:
            # A savepoint: a banner set for the same scope by someone else just now is refused
            # by the constraint, and the transaction stays usable.
            with transaction.atomic():
                banner.save()
        except IntegrityError:
            raise BannerError(ONE_PER_SCOPE_MESSAGE) from None
        _record(action, banner, user, detail)
        # Its start and expiry are scheduled changes: the next one is asked again.
        scopes = (cachetags.scope(section_id) for section_id in touched)
        pagecache.invalidate_on_commit(*scopes, pagecache.SCHEDULES)
    return banner


def banner_end(*, user: AbstractBaseUser, banner: Banner) -> None:
    """Take ``banner`` down now: it is deleted, its audit trail stays."""
    _check_permission(user, "delete")
    with transaction.atomic():
        current = _locked(banner)
        _record(Action.ENDED, current, user, describe(current))
        current.delete()
        pagecache.invalidate_on_commit(cachetags.scope(current.section_id), pagecache.SCHEDULES)


def describe(banner: Banner) -> str:
    """E.g. "“Polls close” → “Election night”, Politics, shows 2026-03-01 09:00 – 2026-03-01 23:00"."""
    return (
        f"“{banner.text}” → “{banner.article}”, {describe_scope(banner.section)}, "
        f"shows {local_time(banner.starts_at)} – {local_time(banner.expires_at)}"
    )


# --- helpers -----------------------------------------------------------------------------------


def _check_permission(user, action):
    if user is None or not user.is_active or not user.has_perm(f"banners.{action}_banner"):
        raise BannerError(
            "You do not have permission to set the breaking-news banner: only editors and chief editors do."
        )


def _locked(banner):
    locked = Banner.objects.select_for_update(of=("self",)).select_related("article", "section")
    current = locked.filter(pk=banner.pk).first()
    if current is None:
        raise BannerError("This banner has been ended meanwhile: set a new one if it is still needed.")
    return current


def _fields(banner):
    return (banner.text, banner.article_id, banner.section_id, banner.starts_at, banner.expires_at)


def _validate(banner):
    try:
        banner.full_clean()
    except ValidationError as error:
        raise BannerError(" ".join(error.messages)) from None


def _record(action, banner, user, detail):
    BannerEvent.objects.create(
        action=action,
        banner_number=banner.pk,
        scope=describe_scope(banner.section),
        section=banner.section,
        article=banner.article,
        actor=user,
        detail=detail[: BannerEvent._meta.get_field("detail").max_length],
    )


def local_time(moment):
    """``moment`` as the desk reads it: "2026-03-01 09:00" in the site time zone."""
    return date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else "?"
