"""Small behaviours shared by the desk's model admins."""

from articles import cachetags


class RefreshesReaderPages:
    """
    Edits of things every reader page may show (sections in the menu, bylines, photos and their
    credits) refresh all cached pages once committed. Hooked on the admin's own change log, which
    every add, change and delete passes through, whatever the admin overrides for saving.
    """

    def log_change(self, request, obj, message):
        cachetags.site_changed()
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        cachetags.site_changed()
        return super().log_deletions(request, queryset)
