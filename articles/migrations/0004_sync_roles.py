"""Give the roles their permissions on revisions and on the curation audit trail."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ADDED = {
    "Reporter": ["view_articlerevision"],
    "Editor": ["view_articlerevision", "view_curationevent"],
    "Chief editor": ["view_articlerevision", "view_curationevent"],
}


def add_permissions(apps, schema_editor):
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ADDED.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_revisions_embargo_curation")]

    operations = [migrations.RunPython(add_permissions, migrations.RunPython.noop)]
