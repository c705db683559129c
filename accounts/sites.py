from functools import update_wrapper

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import path

from accounts import twofactor
from accounts.forms import StaffLoginForm

# What a chief editor who must enrol may still reach: enrolment itself, and the way out.
ENROLMENT_EXEMPT_VIEWS = frozenset({"twofactor", "logout", "jsi18n"})


class NewsroomAdminSite(admin.AdminSite):
    """
    The admin (``admin.site``, see accounts.apps.NewsroomAdminConfig) with optional two-factor
    authentication: the login asks for a TOTP code from users who turned it on, a session without
    that code does not get in, and a chief editor without a device is sent to enrolment first when
    NEWSROOM_REQUIRE_2FA_FOR_CHIEF_EDITORS is on (accounts/twofactor.py).
    """

    login_form = StaffLoginForm
    login_template = "accounts/login.html"

    def has_permission(self, request):
        return super().has_permission(request) and not twofactor.code_required(request)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def enrolled_first(request, *args, **kwargs):
            match = request.resolver_match
            exempt = match is not None and match.url_name in ENROLMENT_EXEMPT_VIEWS
            if not exempt and self.has_permission(request) and twofactor.enrolment_required(request):
                return redirect("admin:twofactor")
            return inner(request, *args, **kwargs)

        return update_wrapper(enrolled_first, inner)

    def get_urls(self):
        from accounts.views import twofactor_view

        return [
            path("twofactor/", self.admin_view(twofactor_view), name="twofactor"),
            *super().get_urls(),
        ]
