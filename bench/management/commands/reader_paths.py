"""
``manage.py reader_paths --stories N [--articles M]``: the addresses `make bench-publishing`'s
readers cycle over (and make bench's edge hit ratio reads), as JSON ``{kind: [path]}`` on
stdout (bench/publishing.py, ``reader_paths``).
"""

from django.core.management.base import BaseCommand

from bench import publishing


class Command(BaseCommand):
    help = "Print the reader addresses of make bench-publishing as JSON, by kind."

    def add_arguments(self, parser):
        parser.add_argument("--stories", type=int, default=5, help="How many stories the editor works on.")
        parser.add_argument(
            "--articles",
            type=int,
            default=publishing.ARTICLES_NEWEST + publishing.ARTICLES_OLDER,
            help="How many story pages readers read.",
        )

    def handle(self, *args, stories, articles, **options):
        paths = publishing.reader_paths(stories=publishing.edited_stories(stories), articles=articles)
        self.stdout.write(publishing.dumps(paths))
