"""Vocabularies curators extend in the admin: kinds of agreement and organization, categories of
system. A new term (a memorandum of understanding, a frigate) is a row, never a schema change.

Records point at a term by its code (`ForeignKey(..., to_field="code")`, in the column that held
the code before), so stored values, API values and filters and the dataset keep the same codes.
Terms are labels, not facts: they are not published, readers always see them.
"""

from django.db import models
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor
from django.utils.translation import gettext_lazy as _

from .base import Timestamped
from .i18n import Translatable, localized_ordering, translations


class VocabularyQuerySet(models.QuerySet):
    def for_listing(self):
        return self.order_by(*localized_ordering(self.model))


class Vocabulary(Translatable, Timestamped):
    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_(
            "Letters, digits, hyphens or underscores, e.g. frigate. Records, the API and the "
            "dataset name the term by it; it cannot change once saved."
        ),
    )
    name = models.CharField(_("name"), max_length=100)
    name_nl, name_en = translations(name)
    description = models.TextField(_("description"), blank=True)
    description_nl, description_en = translations(description)
    position = models.PositiveSmallIntegerField(
        _("position"), default=100, help_text=_("Lower numbers come first in lists.")
    )

    objects = VocabularyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self):
        return self.t.name


class AgreementKind(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("agreement kind")
        verbose_name_plural = _("agreement kinds")


class SystemCategory(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("system category")
        verbose_name_plural = _("system categories")


class OrganizationKind(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("organization kind")
        verbose_name_plural = _("organization kinds")


class TermDescriptor(ForwardManyToOneDescriptor):
    """Also accepts a term's code: `Agreement(kind="tranche")`, as the dataset and API name it."""

    def __set__(self, instance, value):
        if isinstance(value, str):
            setattr(instance, self.field.attname, value)
            return
        super().__set__(instance, value)


class TermField(models.ForeignKey):
    """A record's term of a vocabulary, stored as its code."""

    forward_related_accessor_class = TermDescriptor

    def __init__(self, to, **kwargs):
        kwargs.setdefault("to_field", "code")
        kwargs.setdefault("on_delete", models.PROTECT)
        super().__init__(to, **kwargs)
