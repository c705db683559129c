"""
gunicorn for `make bench` (bench/run.py): two sync workers on 127.0.0.1:8001, as the reference
deployment runs behind nginx (bench/nginx.conf). Run from the repository root:

    .venv/bin/gunicorn -c bench/gunicorn.conf.py

The environment (DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG=0, ALLOWED_HOSTS, NEWSROOM_BENCH=1)
comes from bench/run.py. No access log: writing a line per request would be measured too.
"""

from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
OUT.mkdir(exist_ok=True)

wsgi_app = "newsroom.wsgi:application"
bind = "127.0.0.1:8001"
workers = 2
worker_class = "sync"
# Connections wait in the listen queue while both workers are busy (wrk opens 32).
backlog = 2048
# An uncached page on the unoptimised code can take a second; under load, queueing adds more.
timeout = 60
graceful_timeout = 10
# Each worker imports the application itself: what a worker's RSS then shows is its own.
preload_app = False
pidfile = str(OUT / "gunicorn.pid")
errorlog = str(OUT / "gunicorn.log")
accesslog = None
loglevel = "warning"
proc_name = "newsroom-bench"
