"""
Real processes for the tests that need them (a gunicorn, ``manage.py`` in another process, nginx):
free ports, the environment a child process runs the project with, waiting for a port, stopping.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What the test run's own environment must not hand a child: its database, cache and settings of
# the suite. Each test says what the child gets instead.
PARENT_ONLY = {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_NAME", "CACHE_DIR", "DJANGO_ENV"}
PARENT_ONLY_PREFIXES = ("NEWSROOM_", "PYTEST", "REDIS_", "DATABASE_", "GUNICORN_")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_environment(tmp, **settings):
    """
    The environment of a child process running the project on files under ``tmp`` (a SQLite
    database, the file cache, media), the page cache on; ``settings`` add to it or replace.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in PARENT_ONLY and not name.startswith(PARENT_ONLY_PREFIXES)
    }
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DEBUG="1",
        SECRET_KEY="child-process-test",
        DATABASE_URL=f"sqlite:///{tmp / 'newsroom.sqlite3'}",
        CACHE_DIR=str(tmp / "cache"),
        MEDIA_ROOT=str(tmp / "media"),
        ORIGINALS_ROOT=str(tmp / "originals"),
        NEWSROOM_PAGE_CACHE_TTL="300",
        LOG_LEVEL="WARNING",
    )
    env.update(settings)
    return env


def wait_for_port(port, process, *, name, within=20, output=None):
    """
    Return once something listens on ``port``; fail the test if ``process`` exits or ``within``
    seconds pass first, with ``output()`` (what the process said) in the message.
    """
    deadline = time.monotonic() + within
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                said = output() if output else (process.stderr.read().decode() if process.stderr else "")
                pytest.fail(f"{name} did not start: {said}")
            time.sleep(0.05)


def stop(process, *, within=10):
    """SIGTERM, then SIGKILL if it is still there after ``within`` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def manage(env, *args, timeout=120):
    """``manage.py *args`` in a child process with ``env``; its output (it must succeed)."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def start_gunicorn(env):
    """gunicorn with 2 workers on a free loopback port, ready: ``(process, port)``."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--workers", "2"]
        + ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_for_port(port, server, name="gunicorn")
    return server, port
