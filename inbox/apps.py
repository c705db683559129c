from django.apps import AppConfig


class InboxConfig(AppConfig):
    """
    Notifications that reach people: each person's inbox in the admin, their choice of how they
    are told (in the admin, by email, or both), and the delivery of a notice to them
    (``inbox.delivery``). What happened and who is told is decided elsewhere
    (``articles.notifications``); this app only delivers and shows it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "inbox"
    verbose_name = "Inbox"
