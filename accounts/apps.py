from django.apps import AppConfig

# The module, not the class: a second AppConfig named in this module with default = True would
# make "accounts" ambiguous in INSTALLED_APPS.
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Their user_logged_in receivers: clear one's own failures, start the idle clock.
        from accounts import lockout, middleware  # noqa: F401


class NewsroomAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with ``admin.site`` an ``accounts.sites.NewsroomAdminSite``."""

    default = False
    default_site = "accounts.sites.NewsroomAdminSite"
