from django.core.management.base import BaseCommand, CommandError

from ...sourcing import unsourced_records


class Command(BaseCommand):
    help = "List fact-bearing records that cite no source; fail if there is any."

    def handle(self, *args, **options):
        missing = unsourced_records()
        for record in missing:
            self.stdout.write(f"{record._meta.verbose_name}: {record} (id {record.pk})")
        if missing:
            raise CommandError(f"{len(missing)} record(s) cite no source.")
        self.stdout.write(self.style.SUCCESS("Every fact-bearing record cites a source."))
