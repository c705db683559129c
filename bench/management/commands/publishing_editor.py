"""
``manage.py publishing_editor --seconds 60 --stories 5``: `make bench-publishing`'s editor. Every
second it takes the next workflow transition of the next of its stories (bench/publishing.py) and
writes one JSON line per transition on stdout as soon as it is committed, for the runner to poll
the story and, at the end, to compare with the workflow events in the database.

The first line is ``{"start": ..., "stories": [...], "last_event_id": ...}``; then one line per
second: a commit (``committed_at``), a refusal (``refused``, with the workflow's message) or a
failure (``error``). A refusal or failure is reported, not hidden: the runner counts them.

``--restore`` takes no timed transitions: it brings each of the stories back to published with no
edit waiting (bench/publishing.py, ``restore``), one JSON line per story, so that an editor stopped
part-way leaves nothing unpublished for the next measurement.
"""

import time
import traceback

from django.core.management.base import BaseCommand

from articles.workflow import TransitionError
from bench import publishing


class Command(BaseCommand):
    help = "Take one workflow transition a second on a few stories, one JSON line per commit."

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--stories", type=int, default=5)
        parser.add_argument("--restore", action="store_true", help="Publish the stories again, then stop.")

    def handle(self, *args, seconds, stories, restore, **options):
        user = publishing.editor()
        chosen = [story.pk for story in publishing.edited_stories(stories)]
        if restore:
            for article in chosen:
                self.line({"article": article, "restored": publishing.restore(article, user)})
            return
        started = time.time()
        self.line({"start": started, "stories": chosen, "last_event_id": publishing.last_event_id()})
        for step in range(seconds):
            # On the second, whatever the last transition took: one a second, not one after another.
            time.sleep(max(0.0, started + step - time.time()))
            article = chosen[step % len(chosen)]
            try:
                # The run's start in the mark: an edit's headline is one no earlier run wrote.
                self.line(publishing.take_next(article, user, step=step, mark=f"{step}, {started:.0f}"))
            except TransitionError as error:
                self.line({"step": step, "article": article, "refused": str(error), "at": time.time()})
            except Exception as error:  # noqa: BLE001 (reported, counted and failed on by the runner)
                detail = traceback.format_exception_only(error)[-1].strip()
                self.line({"step": step, "article": article, "error": detail, "at": time.time()})

    def line(self, value):
        self.stdout.write(publishing.dumps(value))
        self.stdout.flush()
