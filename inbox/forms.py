from django import forms

from inbox.models import Preference


class PreferenceForm(forms.ModelForm):
    # Declared, so the radio buttons have no empty "---------" choice.
    delivery = forms.ChoiceField(
        choices=Preference.Delivery.choices, widget=forms.RadioSelect, label="Tell me"
    )

    class Meta:
        model = Preference
        fields = ["delivery"]
