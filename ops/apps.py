from django.apps import AppConfig
from django.core.signals import got_request_exception, request_finished


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"

    def ready(self):
        from ops import database, memory, requestid

        # The request's id stays current until its response is closed, not only until the
        # middleware returns: Django logs an error response (django.request) after every
        # middleware has run, and a streamed body is sent later still.
        request_finished.connect(requestid.unbind, dispatch_uid="ops.requestid.unbind")
        # A database error raised outside a view becomes the 503 page, not the 500 (ops/database.py).
        got_request_exception.connect(database.note_database_failure, dispatch_uid="ops.database.note")
        # Freed memory goes back to the system every few requests, after the response is sent.
        request_finished.connect(memory.trim_every_few_requests, dispatch_uid="ops.memory.trim")
