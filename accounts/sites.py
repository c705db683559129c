from functools import update_wrapper

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import path
from django.utils.functional import cached_property
from django.views.decorators.csp import csp_override, csp_report_only_override

from accounts import twofactor
from accounts.forms import StaffLoginForm
from ops.csp import admin_policy

# What a chief editor who must enrol may still reach: enrolment itself, and the way out.
ENROLMENT_EXEMPT_VIEWS = frozenset({"twofactor", "logout", "jsi18n"})


class BoundedCountPaginator(Paginator):
    """
    A paginator that counts no further than ``bound`` objects: a COUNT of a common word's
    matches reads all of them (53,000 of 100,000 stories), and the autocomplete only needs to
    know whether there is a next page. Pages past the bound are not offered; more letters are.
    """

    bound = 1000

    @cached_property
    def count(self):
        return self.object_list[: self.bound].count()


class BoundedAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete, with its count bounded (``BoundedCountPaginator``)."""

    def get_paginator(self, *args, **kwargs):
        return BoundedCountPaginator(*args, **kwargs)


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

        return self.editor_csp(update_wrapper(enrolled_first, inner))

    @staticmethod
    def editor_csp(view):
        """
        The admin's Content Security Policy (``ops.csp.admin_policy``: inline styles, which
        CKEditor 5 needs) on ``view``'s responses, in whichever header the site sends, as the
        settings say when the view runs. Only here: reader pages keep the strict policy.
        """

        def with_editor_csp(request, *args, **kwargs):
            relaxed = csp_report_only_override(admin_policy(settings.SECURE_CSP_REPORT_ONLY))(
                csp_override(admin_policy(settings.SECURE_CSP))(view)
            )
            return relaxed(request, *args, **kwargs)

        return update_wrapper(with_editor_csp, view)

    def autocomplete_view(self, request):
        return BoundedAutocompleteJsonView.as_view(admin_site=self)(request)

    def get_urls(self):
        from accounts.views import twofactor_view

        return [
            path("twofactor/", self.admin_view(twofactor_view), name="twofactor"),
            *super().get_urls(),
        ]
