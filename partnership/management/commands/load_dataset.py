from django.core.management.base import BaseCommand, CommandError

from ...loading import DEFAULT_PATH, DatasetError, Loader


class Command(BaseCommand):
    help = (
        "Load the dataset: every partnership's folder of partnership/data/ (camo/, benesam/...) "
        "and the site's settings (site.yaml). Idempotent: a second run changes nothing. "
        "All-or-nothing: on any error, nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", default=str(DEFAULT_PATH), help="Dataset file (YAML) or folder of YAML files."
        )

    def handle(self, *args, file, verbosity, **options):
        try:
            stats = Loader.from_file(file).run()
        except DatasetError as error:
            raise CommandError(str(error)) from error
        totals = {"created": 0, "updated": 0, "unchanged": 0}
        for label, counts in stats.items():
            for outcome in totals:
                totals[outcome] += counts[outcome]
            if verbosity >= 2:
                details = ", ".join(f"{counts[key]} {key}" for key in totals if counts[key])
                self.stdout.write(f"  {label}: {details}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Dataset loaded from {file}: {totals['created']} created, "
                f"{totals['updated']} updated, {totals['unchanged']} unchanged."
            )
        )
