"""
The newsroom's roles as Django groups and the model permissions each one holds.

The data migration ``0002_roles`` creates the groups from this table, and every ``migrate``
keeps them equal to it (``articles.apps``); ``load_demo`` puts the demo accounts in them. What a
role may do to one particular article is decided in ``articles.permissions``. A permission of
another app is named ``app_label.codename``.
"""

from django.db.models import Q

REPORTER = "Reporter"
EDITOR = "Editor"
CHIEF_EDITOR = "Chief editor"

_REPORTER_PERMISSIONS = [
    "add_article",
    "change_article",
    "view_article",
    "add_photo",
    "view_photo",
    "view_photocredit",
    "add_audio",
    "view_audio",
    "view_topic",
    "view_section",
    "view_author",
    "view_workflowevent",
    "view_articlerevision",
    # Live stories (live/): reporters post; their posts may wait for an editor's approval.
    "live.view_livecoverage",
    "live.view_livepost",
    "live.add_livepost",
]
_EDITOR_PERMISSIONS = _REPORTER_PERMISSIONS + [
    "delete_article",
    "publish_article",
    "change_photo",
    "delete_photo",
    "add_photocredit",
    "change_photocredit",
    "delete_photocredit",
    "change_audio",
    "delete_audio",
    "add_topic",
    "change_topic",
    "delete_topic",
    "add_section",
    "change_section",
    "delete_section",
    "add_author",
    "change_author",
    "live.add_livecoverage",
    "live.change_livecoverage",
    "live.change_livepost",
    "live.delete_livepost",
    "view_editorspick",
    "view_curationevent",
    # Background tasks that failed after their retries (renditions, emails, purges): the desk
    # must see them, with their tracebacks, in the admin (ops/tasks.py).
    "django_tasks_database.view_dbtaskresult",
    # The breaking-news banner (banners/): editors set it, reporters never.
    "banners.add_banner",
    "banners.change_banner",
    "banners.delete_banner",
    "banners.view_banner",
    "banners.view_bannerevent",
]
_CHIEF_EDITOR_PERMISSIONS = _EDITOR_PERMISSIONS + [
    "add_editorspick",
    "change_editorspick",
    "delete_editorspick",
]

ROLE_PERMISSIONS = {
    REPORTER: _REPORTER_PERMISSIONS,
    EDITOR: _EDITOR_PERMISSIONS,
    CHIEF_EDITOR: _CHIEF_EDITOR_PERMISSIONS,
}


def qualified(name):
    """``(app_label, codename)`` of a permission named in the table above."""
    app_label, _, codename = name.rpartition(".")
    return app_label or "articles", codename


def other_apps(role_permissions=ROLE_PERMISSIONS):
    """The labels of the apps other than ``articles`` whose permissions the roles hold."""
    return {qualified(name)[0] for names in role_permissions.values() for name in names} - {"articles"}


def sync_role_groups(group_model, permission_model, role_permissions=ROLE_PERMISSIONS):
    """Create or refresh the role groups so each holds exactly its permissions."""
    for role, names in role_permissions.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = {qualified(name) for name in names}
        matching = Q()
        for app_label, codename in wanted:
            matching |= Q(content_type__app_label=app_label, codename=codename)
        permissions = permission_model.objects.filter(matching)
        missing = wanted - set(permissions.values_list("content_type__app_label", "codename"))
        if missing:
            raise RuntimeError(f"Permissions missing for {role}: {sorted(missing)}")
        group.permissions.set(permissions)
