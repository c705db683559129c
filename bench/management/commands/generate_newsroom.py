"""
``manage.py generate_newsroom``: a large newsroom for benchmarks (bench/generator.py says what
it writes and how). Installed only with the bench app, that is with ``NEWSROOM_BENCH=1``.

Safety: it refuses to run when the database holds any article, unless ``--reset`` is given,
which first deletes the newsroom's whole content (bench/generator.py, ``reset``). ``--reset``
runs only on a database named for benchmarks: its name (for SQLite, the file's own name) must
contain "bench", as ``make bench``'s ``newsroom_bench`` does. Anything else is refused before a
single query, so a mistyped ``DATABASE_URL`` can never empty the newsroom. There is deliberately
no option to override it: rename or copy the database instead. Everything is one transaction: a
failure leaves the database as it was. Cached pages are invalidated on commit.
"""

import time
from pathlib import PurePath

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

import pagecache
from articles.cachetags import LISTING, PICKS, SITE
from articles.models import Article
from bench.generator import SECTIONS, NewsroomGenerator

# What a database's name must contain for --reset to empty it.
BENCHMARK_NAME_MARK = "bench"


def named_for_benchmarks(database_name):
    """
    Whether ``database_name`` (a PostgreSQL database or an SQLite path) is a benchmark's. Only the
    last part of a path counts: ``/srv/bench/newsroom.sqlite3`` is the newsroom, in a folder.
    """
    return BENCHMARK_NAME_MARK in PurePath(str(database_name)).name.lower()


class Command(BaseCommand):
    help = (
        "Generate a large newsroom for benchmarks in bulk: stories, sections, photos, authors, "
        "related links and Editor's Picks. Refuses to run on a database with articles unless "
        "--reset is given (which deletes every article, photo, author, credit and section first, "
        "and only on a database whose name contains 'bench')."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=100_000)
        parser.add_argument("--sections", type=int, default=10)
        parser.add_argument("--photos", type=int, default=5_000)
        parser.add_argument("--authors", type=int, default=200)
        parser.add_argument("--related", type=int, default=3, help="Related News links per live story.")
        parser.add_argument("--picks", type=int, default=30, help="Editor's Pick entries in all lists.")
        parser.add_argument(
            "--big-section-share",
            type=float,
            default=0.5,
            help="Share of the stories in the first section (0.5: its page 2,000 exists at 100,000).",
        )
        parser.add_argument("--image-files", type=int, default=8, help="Distinct JPEGs the photos share.")
        parser.add_argument("--batch-size", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=2024)
        parser.add_argument("--no-renditions", action="store_true", help="Do not make photo renditions.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help=(
                "First delete every article, photo, author, credit and section and what hangs off "
                f"them. Only on a database whose name contains {BENCHMARK_NAME_MARK!r}."
            ),
        )

    def handle(self, *args, **options):
        for name in ("articles", "sections", "photos", "authors", "image_files", "batch_size"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        if options["sections"] > len(SECTIONS) and options["sections"] > 99:
            raise CommandError("--sections must be at most 99.")
        if not 0 <= options["big_section_share"] < 1:
            raise CommandError("--big-section-share must be at least 0 and less than 1.")
        if options["related"] < 0 or options["picks"] < 0:
            raise CommandError("--related and --picks cannot be negative.")
        database = connection.settings_dict["NAME"]
        if options["reset"] and not named_for_benchmarks(database):
            raise CommandError(
                f"Refusing --reset: it deletes the whole newsroom, and the database {str(database)!r} is "
                f"not named for benchmarks (its name must contain {BENCHMARK_NAME_MARK!r}, as make "
                "bench's newsroom_bench does). Nothing was changed."
            )

        started = time.monotonic()
        generator = NewsroomGenerator(options, out=self.stderr)
        with transaction.atomic():
            existing = Article.objects.count()
            if existing and not options["reset"]:
                raise CommandError(
                    f"The database already holds {existing} articles. generate_newsroom only fills an "
                    "empty newsroom; run it with --reset to delete every article, photo, author, "
                    "photo credit and section first."
                )
            if options["reset"]:
                generator.reset()
            generator.generate()
            transaction.on_commit(_invalidate_cached_pages)
            written = time.monotonic()
        # Foreign keys are checked at commit (Django makes them DEFERRABLE INITIALLY DEFERRED).
        self.stderr.write(f"  {'commit':<16} {time.monotonic() - written:.1f} s")
        generator.after_commit()
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{count:,} {label}" for label, count in generator.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Generated {summary} in {elapsed:.1f} s."))


def _invalidate_cached_pages():
    """Every cached page showed the old newsroom (``site`` is on every page)."""
    pagecache.invalidate(SITE, LISTING, PICKS)
