"""Tasks for tests/test_tasks.py's real workers: importable by a worker in another process."""

from django.tasks import task


@task
def add(a, b):
    return a + b


@task
def fail(message):
    raise RuntimeError(message)
