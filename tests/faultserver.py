"""
The WSGI application of ``newsroom.wsgi``, for the database fault tests' gunicorn
(``tests/test_faults_database.py``), with one thing added: a save can be held halfway.

When ``NEWSROOM_FAULTS_PAUSE_DIR`` names a folder holding a file ``armed``, the first statement
that writes (INSERT, UPDATE, DELETE) inside a transaction is run, and then the worker writes
``paused`` and waits for ``go`` before going on: the test cuts or stalls the database's connection
in between, in the middle of the transaction, as a failing network would.
"""

import os
import time
from pathlib import Path

from django.db.backends.signals import connection_created

from newsroom.wsgi import application

PAUSE_DIR = os.environ.get("NEWSROOM_FAULTS_PAUSE_DIR")
WRITES = ("INSERT", "UPDATE", "DELETE")
LONGEST_PAUSE = 30  # seconds: a test that never says go does not hold a worker for ever


def hold_after_first_write(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    folder = Path(PAUSE_DIR)
    connection = context["connection"]
    if connection.in_atomic_block and sql.lstrip().upper().startswith(WRITES):
        try:
            (folder / "armed").unlink()
        except FileNotFoundError:
            return result
        (folder / "paused").write_text(sql[:200])
        deadline = time.monotonic() + LONGEST_PAUSE
        while not (folder / "go").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    return result


def install_hold(sender, connection, **kwargs):
    if hold_after_first_write not in connection.execute_wrappers:
        connection.execute_wrappers.append(hold_after_first_write)


if PAUSE_DIR:
    connection_created.connect(install_hold)

__all__ = ["application"]
