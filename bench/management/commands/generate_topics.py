"""
``manage.py generate_topics``: file the generated newsroom's stories under topics, unless some
story already has one (bench/topics.py). ``make bench`` runs it after ``generate_newsroom``, so a
newsroom generated before topics existed gets them too, without being generated again.
"""

from django.core.management.base import BaseCommand

from bench.topics import generate_topics


class Command(BaseCommand):
    help = "File the generated stories under topics, unless some story already has one."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args, seed, **options):
        written = generate_topics(seed=seed, out=self.stderr)
        if written:
            self.stdout.write(f"Filed {written:,} topic links.")
        else:
            self.stdout.write("The stories already have topics: nothing to do.")
