"""Small behaviours shared by the desk's model admins."""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList

from articles import cachetags
from articles.admin import widgets
from articles.forms import EARLIEST, LATEST


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


class BoundedChangeList(ChangeList):
    """
    A change list that refuses numbers out of range as Django refuses other bad filters: as
    incorrect parameters, so the list comes back with ``?e=1`` instead of a 500.

    A date part in the query string (``?created_at__year=``, ``__month=``, ``__day=``: Django's
    date drill-down, or a bookmarked address from the lists that had one) is refused only where
    ``datetime`` refuses it with a ValueError: a 30-digit year (OverflowError), or a day at an end
    of the calendar (the next day, or the site's time zone, overflows) raised. And a filter such
    as ``?id__in=<30 digits>`` raises only when the list is read, where SQLite cannot bind the
    number (OverflowError).
    """

    RANGES = {"year": (EARLIEST.year, LATEST.year), "month": (1, 12), "day": (1, 31)}

    def get_filters(self, request):
        for name, values in self.filter_params.items():
            low, high = self.RANGES.get(name.rpartition("__")[2], (None, None))
            if low is None:
                continue
            for value in values:
                try:
                    number = int(value)
                except ValueError:
                    continue  # Django refuses it itself
                if not low <= number <= high:
                    raise IncorrectLookupParameters(f"{name} {value} is out of range")
        return super().get_filters(request)

    def get_results(self, request):
        try:
            super().get_results(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error


class HostileInputSafe:
    """
    A model admin whose forms and lists answer bad input with an error, not a 500: autocomplete
    widgets that show only values that can exist (``articles.admin.widgets``) and a change list
    that refuses numbers out of range (``BoundedChangeList``).
    """

    def get_changelist(self, request, **kwargs):
        return BoundedChangeList

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = widgets.AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = widgets.AutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        kwargs.setdefault("form_class", widgets.KeyCheckedMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class AuditTrailAdmin:
    """An audit trail in the admin: readable by the desk, written only by the actions it records."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
