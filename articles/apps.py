from django.apps import AppConfig
from django.db.models.signals import post_migrate


def sync_roles_after_migrate(sender, using, apps=None, **kwargs):
    """
    Keep the role groups equal to ``articles.roles`` after every migrate (and every flush, which
    emits post_migrate too, so transactional tests keep their roles). Runs after auth's own
    handler has created the permissions.
    """
    from django.contrib.auth.models import Group, Permission

    from articles.roles import sync_role_groups

    sync_role_groups(Group.objects.db_manager(using).model, Permission)


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        post_migrate.connect(sync_roles_after_migrate, sender=self)
