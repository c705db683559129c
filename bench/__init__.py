"""
Benchmark tooling (`make bench`), kept out of the product: the runner (run.py, probe.py,
report.py, the gunicorn and nginx configurations) and a Django app, installed only when
``NEWSROOM_BENCH=1`` (newsroom/settings.py), with the data generator (``manage.py
generate_newsroom``) and the bare view of scenario (a). Nothing in ``articles`` or ``newsroom``
imports it.
"""
