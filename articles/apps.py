from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_migrate

from pagecache.registry import schedules


def sync_roles_after_migrate(sender, using, apps=None, **kwargs):
    """
    Keep the role groups equal to ``articles.roles`` after every migrate (and every flush, which
    emits post_migrate too, so transactional tests keep their roles). Runs after auth's own
    handler has created the permissions (of the other apps the roles name too: their own
    post_migrate may come after this one).
    """
    from django.apps import apps as installed
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from articles.roles import other_apps, sync_role_groups

    for app_label in other_apps():
        create_permissions(installed.get_app_config(app_label), verbosity=0, using=using)
    sync_role_groups(Group.objects.db_manager(using).model, Permission)


def forget_presence_on_logout(sender, request, user, **kwargs):
    """Someone who logs out is no longer "also editing" anything."""
    from articles import presence

    if user is not None:
        presence.leave_all(user=user)


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from articles import photos, search, selectors

        post_migrate.connect(sync_roles_after_migrate, sender=self)
        user_logged_out.connect(forget_presence_on_logout, dispatch_uid="articles.presence.logout")
        # No page is kept past the next embargo, take-down or Editor's Pick start or end.
        schedules.register(selectors.next_visibility_change)
        # The search index follows every save of a story, a byline or an author's name.
        search.connect_signals()
        # The photo library's "used in" follows every save of a story's text.
        photos.connect_signals()
