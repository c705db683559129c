"""
The newsroom's roles as Django groups and the model permissions each one holds.

The data migration ``0002_roles`` creates the groups from this table; ``load_demo`` puts the
demo accounts in them. What a role may do to one particular article is decided in
``articles.permissions``.
"""

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
    "view_section",
    "view_author",
    "view_workflowevent",
    "view_articlerevision",
]
_EDITOR_PERMISSIONS = _REPORTER_PERMISSIONS + [
    "delete_article",
    "publish_article",
    "change_photo",
    "delete_photo",
    "add_photocredit",
    "change_photocredit",
    "delete_photocredit",
    "add_section",
    "change_section",
    "delete_section",
    "add_author",
    "change_author",
    "view_editorspick",
    "view_curationevent",
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


def sync_role_groups(group_model, permission_model, role_permissions=ROLE_PERMISSIONS):
    """Create or refresh the role groups so each holds exactly its permissions."""
    for role, codenames in role_permissions.items():
        group, _ = group_model.objects.get_or_create(name=role)
        permissions = permission_model.objects.filter(
            content_type__app_label="articles", codename__in=codenames
        )
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions missing for {role}: {sorted(missing)}")
        group.permissions.set(permissions)
