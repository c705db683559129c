"""Reader forms: what the search page accepts besides its words (articles/views.py ``search``)."""

import datetime

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from articles import selectors

EARLIEST, LATEST = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)


class SearchFilters(forms.Form):
    """
    The search page's filters, as the query string carries them: ``section`` (a slug), ``from``
    and ``to`` (ISO dates, both days included; "from" is a Python keyword, hence the fields added
    in ``__init__``). A bad value is reported in ``errors`` and that filter is left out
    (``filters``): readers get results and a message, never an error page.
    """

    section = forms.ModelChoiceField(
        queryset=selectors.section_list(),
        to_field_name="slug",
        required=False,
        error_messages={"invalid_choice": "There is no such section; stories of every section are shown."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in [("from", "From"), ("to", "To")]:
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                input_formats=["%Y-%m-%d"],
                # Sane years only: a day after 9999-12-31 cannot even be computed.
                validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
                error_messages={"invalid": f"“{label}” is not a date (YYYY-MM-DD): it was left out."},
            )

    def clean(self):
        data = super().clean()
        since, until = data.get("from"), data.get("to")
        if since and until and since > until:
            self.add_error("to", "“To” is before “From”: the dates were left out.")
            data.pop("from", None)
        return data

    def filters(self):
        """The valid filters as ``selectors.article_search`` takes them."""
        self.is_valid()  # cleans; what did not pass is absent from cleaned_data
        data = self.cleaned_data
        return {"section": data.get("section"), "since": data.get("from"), "until": data.get("to")}

    def params(self):
        """The valid filters as query parameters, for the page links."""
        filters = self.filters()
        params = {"section": filters["section"].slug if filters["section"] else None}
        params.update({"from": filters["since"], "to": filters["until"]})
        return {name: str(value) for name, value in params.items() if value}

    def messages(self):
        return [message for messages in self.errors.values() for message in messages]
