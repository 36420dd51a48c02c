import sys

from django.core.management.base import BaseCommand

from ...dumping import Dumper, to_yaml, write


class Command(BaseCommand):
    help = (
        "Write every record the dataset loader can create (published or not) as a dataset in the "
        "format load_dataset reads: to standard output, to one file (--out FILE.yaml) or to a "
        "folder split as partnership/data/camo is (--out DIR)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", help="A .yaml file, or a folder to write one file per group of sections."
        )

    def handle(self, *args, out, verbosity, **options):
        dumper = Dumper()
        data = dumper.run()
        for warning in dumper.warnings:
            self.stderr.write(self.style.WARNING(warning))
        if out is None:
            sys.stdout.write(to_yaml(data))  # not self.stdout: no trailing newline rewriting
            return
        files = write(data, out)
        count = sum(len(records) for records in data.values())
        self.stdout.write(
            self.style.SUCCESS(f"{count} records written to {', '.join(map(str, files))}.")
        )
