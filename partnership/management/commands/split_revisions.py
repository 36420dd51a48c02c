from django.core.management.base import BaseCommand

from ...revisions import split_all


class Command(BaseCommand):
    help = (
        "Split every change-history revision that holds several records into one revision per "
        "record (same author, date and comment), so that a revert only ever touches one record. "
        "Idempotent; migration 0007 runs it once."
    )

    def handle(self, *args, **options):
        added = split_all()
        self.stdout.write(f"{added} revision(s) added: every revision now holds one record.")
