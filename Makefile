# Newsroom: `make run` serves the demo newsroom, `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

help:
	@echo "make run    install, migrate, load the demo newsroom and serve it at http://$(HOST):$(PORT), with its task worker"
	@echo "make serve  production: check, collectstatic, migrate, gunicorn (README, \"Production\")"
	@echo "make test   install the dev requirements and run the whole test suite"
	@echo "make lint   ruff and the migrations check"
	@echo "make screenshots  the README's screenshots of the running demo (make run) in docs/screenshots/"
	@echo "make lighthouse  Lighthouse on home, a section and an article, mobile and desktop (tools/webchecks)"
	@echo "make bench  generate 100,000 stories and measure gunicorn and nginx with wrk (bench/RESULTS.md)"
	@echo "make bench-publishing  60 s of 64 readers while an editor publishes every second (bench/RESULTS.md)"
	@echo "make bench-admin  the server time of each admin page of the desk's journey (bench/RESULTS.md)"

# The virtualenv, made with a Python 3.12+ found by scripts/find-python.
$(PY):
	@python="$${PYTHON:-$$(scripts/find-python)}" || exit 1; \
	echo "Creating $(VENV) with $$python"; \
	"$$python" -m venv $(VENV) && $(PY) -m pip install --quiet --upgrade pip

# Stamps so that a second `make` installs nothing unless the requirements changed.
$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# The cache (files under var/cache/ without Redis) outlives the server: it is emptied before
# serving, so no page kept by an earlier run shows what the demo data has just replaced. The
# server and the task queue's worker run together, and stop together (scripts/run_with_worker.py).
run: export DEBUG ?= 1
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: install
	$(PY) manage.py migrate --no-input
	HOST=$(HOST) PORT=$(PORT) $(PY) manage.py load_demo
	$(PY) manage.py shell -v 0 -c "from django.core.cache import cache; cache.clear()"
	$(PY) scripts/run_with_worker.py $(HOST):$(PORT)

# Production (README, "Production"): the production profile unless DJANGO_ENV says otherwise, so
# that a missing variable is named before anything runs; then static files, migrations and
# gunicorn with deploy/gunicorn.conf.py on $(HOST):$(PORT) (GUNICORN_BIND wins when set).
serve: export DJANGO_ENV ?= production
serve: install
	$(PY) manage.py check --deploy
	$(PY) manage.py collectstatic --no-input
	$(PY) manage.py migrate --no-input
	GUNICORN_BIND="$${GUNICORN_BIND:-$(HOST):$(PORT)}" exec $(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py

# The pinned Nu Html Checker and Lighthouse (tools/webchecks, npm). Without npm the HTML validity
# test skips with a message (CI installs Node and fails instead).
WEBCHECKS := tools/webchecks/node_modules/.installed
$(WEBCHECKS): tools/webchecks/package-lock.json
	@if command -v npm >/dev/null; then cd tools/webchecks && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm not found: the HTML validity test and make lighthouse need Node (apt-get install nodejs npm)"; fi
webchecks: $(WEBCHECKS)

test: install-dev webchecks
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# The reader benchmark (bench/run.py): PostgreSQL and Redis on 127.0.0.1, nginx and wrk (installed
# with apt-get when missing). 17 to 21 minutes, the reader mix's 4 runs of 60 s included
# (BENCH_ARGS="--mix-duration 15" for a quick try). BENCH_ARGS="--label baseline" writes the baseline.
# Everything it runs has NEWSROOM_BENCH=1, which alone installs the bench app (its data generator,
# `manage.py generate_newsroom`, and its bare view); the product never has it.
# Lighthouse 12 with Debian's Chromium on the demo newsroom (tools/webchecks/lighthouse.py);
# LIGHTHOUSE_ARGS=--check fails below 100 in accessibility, best practices or SEO (CI does).
lighthouse: install webchecks
	$(PY) tools/webchecks/lighthouse.py $(LIGHTHOUSE_ARGS)

# The README's screenshots (scripts/screenshots.py): home, a section, a story, a live story when
# the demo has one, and the admin's change form, at desktop and phone size, from the demo that
# `make run` serves at http://$(HOST):$(PORT) (run it first, in another terminal).
screenshots: install-dev
	$(PY) scripts/screenshots.py --url http://$(HOST):$(PORT)

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# Load while publishing (bench/publishing_load.py): wrk's 64 readers straight to gunicorn (:8101,
# Redis database 7) for 60 s while an editor takes a workflow transition every second, on a copy
# of make bench's newsroom (newsroom_publishing_bench; BENCH_ARGS=--recreate copies it again).
bench-publishing: install
	$(PY) bench/publishing_load.py $(BENCH_ARGS)

# The admin's server time, page by page, along the desk's journey (bench/admin_speed.py): Django's
# test client in one process on newsroom_admin_bench, a copy of make bench's newsroom.
bench-admin: install
	$(PY) bench/admin_speed.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts

.PHONY: help install install-dev webchecks run serve test lint screenshots lighthouse bench bench-publishing bench-admin clean
