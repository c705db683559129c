from django.core.management.base import BaseCommand
from django.db import transaction

from articles import search


class Command(BaseCommand):
    help = (
        "Rewrite the search index of every story, in one transaction: after changing "
        "NEWSROOM_SEARCH_CONFIG, or to repair an index written outside the application."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            search.index_articles()
        self.stdout.write("Search index rebuilt.")
