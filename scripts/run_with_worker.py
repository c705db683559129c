"""
``make run``'s web server and task worker: ``manage.py runserver ADDRESS`` and the worker of
the queue TASKS_BACKEND names (``db_worker`` for the database, the default), started together in one
process group of their own and stopped together: Ctrl-C or SIGTERM stops both, and when either
exits the other is stopped too, so a worker is never left running without its server or the
other way round.

Their group is not the terminal's, so that this process alone receives Ctrl-C and stops the
whole group, the autoreloaders' children included (signalled one by one, a reloader's child
outlives its parent). Usage: ``python scripts/run_with_worker.py 127.0.0.1:8000``.
"""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

MANAGE = str(Path(__file__).resolve().parent.parent / "manage.py")
GRACE = 10  # seconds for both to stop before they are killed
WORKERS = {
    "database": ["db_worker", "--no-startup-delay"],
    "rq": ["rqworker", "--job-class", "django_tasks_rq.Job", "--with-scheduler", "default"],
}


def main(address):
    backend = os.environ.get("TASKS_BACKEND", "").strip().lower() or "database"
    if backend not in WORKERS:  # the immediate backend runs tasks in the server itself
        os.execv(sys.executable, [sys.executable, MANAGE, "runserver", address])
    worker = subprocess.Popen([sys.executable, MANAGE, *WORKERS[backend]], process_group=0)
    group = worker.pid
    server = subprocess.Popen([sys.executable, MANAGE, "runserver", address], process_group=group)
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True
        os.killpg(group, signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    # Whichever exits first (or a signal) stops the other.
    pid, status = os.wait()
    if not stopping:
        name = "the task worker" if pid == worker.pid else "the web server"
        print(f"run_with_worker: {name} exited; stopping the other.", file=sys.stderr)
        os.killpg(group, signal.SIGTERM)
    for process in (worker, server):
        try:
            process.wait(timeout=GRACE)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
            process.wait()
    # Reloaders' children that outlived their parent.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    return 0 if stopping else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
