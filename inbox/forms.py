from django import forms

from inbox.models import Preference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["delivery"]
        labels = {"delivery": "Tell me"}
        widgets = {"delivery": forms.RadioSelect}
