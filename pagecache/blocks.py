"""Parts of pages, kept between requests and refreshed by tags like whole pages."""

from django.utils import timezone
from django.utils.safestring import mark_safe

from pagecache import store

# The entry format's version is in the key: entries an older release stored are never read.
BLOCK_PREFIX = "block:1:"


def cached_blocks(blocks, *, since=None):
    """
    ``blocks``: ``[(name, render)]``, where ``render()`` returns ``(html, tags)``: rendered
    template output and what it shows. Returns ``[(html, tags)]`` in the same order: each block
    as stored if none of its tags has moved, the others rendered now (and stored). All of them
    are read in one round trip. With the page cache off (a TTL of 0) every block is rendered.
    The caller tags its page with the blocks' tags too.

    A caller whose ``render`` functions use data it read before calling passes ``since``, from
    ``pagecache.started`` called before that read.
    """
    if not store.is_on():
        return [render() for _, render in blocks]
    cache = store.cache()
    now = timezone.now()
    keys = [BLOCK_PREFIX + name for name, _ in blocks]
    found = store.read(cache, keys)
    since = since or store.Start(store.clock(cache, found), now)
    results = []
    for key, (_, render) in zip(keys, blocks, strict=True):
        entry = store.fresh_entry(cache, key, found)
        if entry is not None:
            tags = {tag_key.removeprefix(store.TAG_PREFIX) for tag_key in entry["versions"]}
            results.append((mark_safe(entry["html"]), tags))
            continue
        html, tags = render()
        store.store_entry(cache, key, {"html": str(html)}, tags, since=since)
        results.append((html, set(tags)))
    return results
