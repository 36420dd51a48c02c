from django.core.management.base import BaseCommand, CommandError

from ...sourcing import published_without_visible_source, unsourced_records


class Command(BaseCommand):
    help = (
        "List fact-bearing records that cite no source, and published records that show readers "
        "no source (their sources are not published); fail if there is any."
    )

    def handle(self, *args, **options):
        missing = unsourced_records()
        for record in missing:
            self.stdout.write(f"{record._meta.verbose_name}: {record} (id {record.pk})")
        hidden = [r for r in published_without_visible_source() if r not in missing]
        for record in hidden:
            self.stdout.write(
                f"{record._meta.verbose_name}: {record} (id {record.pk}) is published but cites "
                "no published source"
            )
        if missing or hidden:
            raise CommandError(
                f"{len(missing)} record(s) cite no source; {len(hidden)} published record(s) "
                "show readers no source."
            )
        self.stdout.write(self.style.SUCCESS("Every fact-bearing record cites a source."))
