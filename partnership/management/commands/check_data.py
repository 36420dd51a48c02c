from django.core.management.base import BaseCommand, CommandError

from ...consistency import check


class Command(BaseCommand):
    help = (
        "Check that the dataset's figures agree: deliveries against orders, order statuses "
        "against deliveries, milestones against their orders, tranches against their parent "
        "agreement. Exits non-zero with the list of problems."
    )

    def handle(self, *args, **options):
        problems = check()
        if problems:
            lines = "\n".join(f"- {problem}" for problem in problems)
            raise CommandError(f"{len(problems)} inconsistencies in the data:\n{lines}")
        self.stdout.write("The data is consistent.")
