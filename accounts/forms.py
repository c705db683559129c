from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed

from accounts import twofactor


class StaffLoginForm(AdminAuthenticationForm):
    """
    The admin's login form with a field for the two-factor code, checked only for users who turned
    two-factor authentication on. A wrong code counts as a failed login for the lockout, as a
    wrong password does.
    """

    otp_token = forms.CharField(
        label="Authentication code",
        required=False,
        max_length=16,
        strip=True,
        help_text="Only if you turned on two-factor authentication: the 6 digits your app shows.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self):
        cleaned_data = super().clean()
        user = self.get_user()
        device = twofactor.confirmed_device(user) if user is not None else None
        if device is None:
            return cleaned_data
        token = cleaned_data.get("otp_token")
        if not token:
            raise forms.ValidationError(
                "Two-factor authentication is on for this account: enter the code from your app.",
                code="token_required",
            )
        verified, refusal = twofactor.verify(device, token)
        if not verified:
            user_login_failed.send(
                sender=__name__, credentials={"username": user.get_username()}, request=self.request
            )
            raise forms.ValidationError(refusal, code="invalid_token")
        # django-otp's user_logged_in receiver keeps it in the session: request.user.is_verified().
        user.otp_device = device
        return cleaned_data


class EnrolmentForm(forms.Form):
    otp_token = forms.CharField(
        label="Code from your app",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_otp_token(self):
        verified, refusal = twofactor.verify(self.device, self.cleaned_data["otp_token"])
        if not verified:
            raise forms.ValidationError(refusal, code="invalid_token")
        return self.cleaned_data["otp_token"]
