from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipConfig(AppConfig):
    name = "partnership"
    verbose_name = _("Partnerships")

    def ready(self):
        from . import caching, review, revisions, slugs

        # Every write is watched by the review gate it runs in; every revision is per record.
        review.connect()
        revisions.connect()
        # Every write moves the content's version on: validators and cached answers follow.
        caching.connect()
        # A published record's former slugs are kept, and their addresses redirect.
        slugs.connect()
