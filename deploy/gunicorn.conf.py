"""
gunicorn for production (`make serve`), behind a TLS-terminating, buffering proxy (nginx, a load
balancer). Run from the repository root, with the production environment set (see
"Production" in the README):

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py

Everything here can be changed from the environment without editing the file:

    GUNICORN_BIND         address:port to listen on (127.0.0.1:8000; 0.0.0.0:8000 in a container)
    WEB_CONCURRENCY       worker processes (2 per core, plus 1)
    GUNICORN_TIMEOUT      seconds a request may take before its worker is replaced (30)
    FORWARDED_ALLOW_IPS   the proxies whose X-Forwarded-* headers gunicorn trusts (127.0.0.1)

(`bench/gunicorn.conf.py` is the benchmark's own, tuned to be measured.)
"""

import multiprocessing
import os

wsgi_app = "newsroom.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Sync workers: the proxy in front buffers slow clients, so a worker only ever waits on us.
worker_class = "sync"
backlog = 2048
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (a deploy), requests in flight have this long to finish.
graceful_timeout = 30
keepalive = 5
# A worker is replaced after about a thousand requests: a slow leak never grows without bound.
max_requests = 1000
max_requests_jitter = 100
# The application is imported once, in the master, before any worker starts: a settings error
# (the production profile naming what is missing) stops the start at once, printed once, rather
# than every worker failing in turn; and the workers share the imported code's memory.
preload_app = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "newsroom"
# No control socket in the home directory: a deploy manages gunicorn by its signals.
control_socket_disable = True

# Logs: gunicorn's own records as JSON lines on stdout, like the application's (ops/jsonlog.py).
# No gunicorn access log: the application logs every request, with its id (ops/middleware.py).
accesslog = None
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "ops.jsonlog.JsonFormatter"}},
    "handlers": {
        "stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"}
    },
    "root": {"level": "INFO", "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}
