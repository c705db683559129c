"""
The task queues in the admin, for staff with the permission only.

The database queue's results (django-tasks-db registers them: read-only, with each failure's
traceback) need ``django_tasks_database.view_dbtaskresult``. django-rq's dashboard for the Redis
queue asks only for a staff member, yet shows every job's arguments and traceback and can requeue
or delete them: here each of its pages needs ``django_rq.admin`` too (its own registration is off,
``RQ_SHOW_ADMIN_LINK = False``). Neither is in a newsroom role: superusers see them, and anyone
else is granted them by hand.
"""

from functools import wraps

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied

RQ_PERMISSION = "django_rq.admin"


def _permitted(view):
    @wraps(view)
    def permitted_view(request, *args, **kwargs):
        if not request.user.has_perm(RQ_PERMISSION):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return permitted_view


if apps.is_installed("django_rq"):
    from django_rq.admin import QueueAdmin
    from django_rq.models import Dashboard

    @admin.register(Dashboard)
    class PermittedQueueAdmin(QueueAdmin):
        def has_module_permission(self, request):
            return request.user.has_perm(RQ_PERMISSION)

        def get_urls(self):
            urls = super().get_urls()
            for url in urls:
                url.callback = _permitted(url.callback)
            return urls
