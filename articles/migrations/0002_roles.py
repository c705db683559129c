"""Create the Reporter, Editor and Chief editor groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from articles.roles import sync_role_groups

# The roles as they were when this migration was written (later migrations re-sync them).
_REPORTER = [
    "add_article", "change_article", "view_article", "add_photo", "view_photo", "view_photocredit",
    "view_section", "view_author", "view_workflowevent",
]
_EDITOR = _REPORTER + [
    "delete_article", "publish_article", "change_photo", "delete_photo", "add_photocredit",
    "change_photocredit", "delete_photocredit", "add_section", "change_section", "delete_section",
    "add_author", "change_author", "view_editorspick",
]
ROLE_PERMISSIONS = {
    "Reporter": _REPORTER,
    "Editor": _EDITOR,
    "Chief editor": _EDITOR + ["add_editorspick", "change_editorspick", "delete_editorspick"],
}


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations run; create ours now so the
    # groups can hold them on a fresh database.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    sync_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"), ROLE_PERMISSIONS)


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
