"""
The page cache tags of the banner region (the names pages declare and changes invalidate, in
one place): ``banner:site`` on every reader page, ``banner:section:<id>`` on a section's pages
and its stories.
"""

SITE_WIDE = "banner:site"


def scope(section_id):
    """The tag of the pages showing the banners of ``section_id`` (``None``: site-wide)."""
    return SITE_WIDE if section_id is None else f"banner:section:{section_id}"


def for_page(section_id):
    """The scopes whose banners a page in ``section_id`` (``None``: no section) shows."""
    return {SITE_WIDE} if section_id is None else {SITE_WIDE, scope(section_id)}
