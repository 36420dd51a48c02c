"""Translated texts: French is the reference, Dutch and English are translations of it.

A translatable field keeps its name for the French text (`summary`) and gains one column per
other language (`summary_nl`, `summary_en`), declared beside it:

    summary = models.TextField(_("summary"), blank=True)
    summary_nl, summary_en = translations(summary)

Readers get `record.t.summary`: the text in the active language, or the French text when the
translation is missing, as a `LocalizedText` that knows which language it is in. Each translation
remembers a fingerprint of the French text it was made from; when the French text changes, the
translation is flagged as outdated until a translator updates or confirms it.
"""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

REFERENCE_LANGUAGE = settings.LANGUAGE_CODE
LANGUAGE_NAMES = dict(settings.LANGUAGES)
LANGUAGE_CODES = tuple(LANGUAGE_NAMES)
TRANSLATION_LANGUAGES = tuple(code for code in LANGUAGE_CODES if code != REFERENCE_LANGUAGE)


def translations(field: models.Field) -> tuple[models.Field, ...]:
    """One optional copy of `field` per translation language, in TRANSLATION_LANGUAGES order."""
    _name, _path, args, kwargs = field.deconstruct()
    copies = []
    for language in TRANSLATION_LANGUAGES:
        options = {k: v for k, v in kwargs.items() if k not in ("unique", "db_index")} | {
            "verbose_name": format_lazy("{} ({})", field.verbose_name, LANGUAGE_NAMES[language]),
            "blank": True,
            "default": "",
        }
        copies.append(field.__class__(*args, **options))
    return tuple(copies)


def column(field: str, language: str) -> str:
    """The column holding `field` in `language`: the field itself for French."""
    return field if language == REFERENCE_LANGUAGE else f"{field}_{language}"


def translation_columns(field: str) -> tuple[str, ...]:
    """The field's translation columns (`summary_nl`, `summary_en`)."""
    return tuple(column(field, language) for language in TRANSLATION_LANGUAGES)


def active_language() -> str:
    """The active language if the site offers it, else the reference language."""
    language = (get_language() or REFERENCE_LANGUAGE).split("-")[0].lower()
    return language if language in LANGUAGE_NAMES else REFERENCE_LANGUAGE


def fingerprint(text: str) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()[:16]


class LocalizedText(str):
    """A text with the language it is written in, and whether it stands in for a translation."""

    language: str
    fallback: bool

    def __new__(cls, text: str, language: str, fallback: bool = False):
        value = super().__new__(cls, text or "")
        value.language = language
        value.fallback = fallback
        return value


class Localized:
    """`record.t`: translated fields read in the active language; other attributes as they are."""

    __slots__ = ("_language", "_record")

    def __init__(self, record, language: str | None = None):
        self._record = record
        self._language = language

    def __getattr__(self, name):
        if name in self._record.translated_fields():
            return self._record.localized(name, self._language)
        return getattr(self._record, name)


class Localizable:
    """Read access to translated texts; every record type has it, with or without translations."""

    @classmethod
    @functools.cache
    def translated_fields(cls) -> tuple[str, ...]:
        """The fields with a column per translation language, in declaration order."""
        meta = getattr(cls, "_meta", None)
        if meta is None:
            return ()
        names = {field.name for field in meta.concrete_fields}
        return tuple(
            field.name
            for field in meta.concrete_fields
            if all(f"{field.name}_{language}" in names for language in TRANSLATION_LANGUAGES)
        )

    @property
    def t(self) -> Localized:
        return Localized(self)

    def localized(self, field: str, language: str | None = None) -> LocalizedText:
        language = language or active_language()
        reference = getattr(self, field) or ""
        if language == REFERENCE_LANGUAGE or field not in self.translated_fields():
            return LocalizedText(reference, REFERENCE_LANGUAGE)
        text = getattr(self, column(field, language))
        if text:
            return LocalizedText(text, language)
        return LocalizedText(reference, REFERENCE_LANGUAGE, fallback=bool(reference))

    def missing_translations(self, language: str) -> list[str]:
        """Fields whose French text has no translation into `language`."""
        return [
            field
            for field in self.translated_fields()
            if getattr(self, field) and not getattr(self, column(field, language))
        ]


class Translatable(Localizable, models.Model):
    """A record with translated fields, which tracks whether each translation is up to date."""

    translation_sources = models.JSONField(
        _("translation sources"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("For each translation, a fingerprint of the French text it was made from."),
    )
    outdated_translations = models.CharField(
        _("outdated translations"),
        max_length=500,
        blank=True,
        editable=False,
        help_text=_("Translations made from an earlier French text, as field:language."),
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.track_translations()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                "translation_sources",
                "outdated_translations",
            }
        super().save(*args, **kwargs)

    def stored_translations(self) -> dict[str, str]:
        """The translations as the database holds them (none for a record not yet saved)."""
        if self._state.adding or self.pk is None:
            return {}
        columns = [
            name for field in self.translated_fields() for name in translation_columns(field)
        ]
        return type(self)._base_manager.filter(pk=self.pk).values(*columns).first() or {}

    def track_translations(self, *, confirm: bool = False) -> None:
        """Record which French text each new or edited translation was made from.

        A translation that differs from the stored one (or every translation, with `confirm`) is
        stamped with the current French text; the others keep their stamp, so a change to the
        French text leaves them outdated. Saving reads the stored translations (one query); reading
        records costs nothing.
        """
        stored = {} if confirm else self.stored_translations()
        sources = dict(self.translation_sources or {})
        for field in self.translated_fields():
            current = fingerprint(getattr(self, field))
            for language in TRANSLATION_LANGUAGES:
                key = f"{field}:{language}"
                name = column(field, language)
                text = getattr(self, name)
                if not text:
                    sources.pop(key, None)
                elif confirm or key not in sources or stored.get(name) != text:
                    sources[key] = current
        self.translation_sources = sources
        self.outdated_translations = " ".join(
            key
            for key, made_from in sorted(sources.items())
            if made_from != fingerprint(getattr(self, key.split(":")[0], ""))
        )

    def is_outdated(self, field: str, language: str) -> bool:
        return f"{field}:{language}" in self.outdated_translations.split()

    def outdated_in(self, language: str) -> list[str]:
        return [
            key.split(":")[0]
            for key in self.outdated_translations.split()
            if key.endswith(f":{language}")
        ]


def is_translated(model, lookup: str) -> bool:
    """Whether `lookup` (`name`, `system__name`) ends on a translated field."""
    *path, last = lookup.split("__")
    target = model
    for part in path:
        target = target._meta.get_field(part).related_model
    return issubclass(target, Localizable) and last in target.translated_fields()


def with_translations(model, lookups) -> tuple[str, ...]:
    """Field names or lookups (`name`, `^system__name`), each followed by its translations."""
    expanded = []
    for lookup in lookups:
        expanded.append(lookup)
        prefix = lookup[: len(lookup) - len(lookup.lstrip("^=@$"))]
        if is_translated(model, lookup[len(prefix) :]):
            expanded += translation_columns(lookup)
    return tuple(expanded)


def localized_ordering(model, language: str | None = None) -> list:
    """The model's default ordering, with translated texts sorted in `language` (the active
    one by default): by the translation, or the French text where there is none."""
    language = language or active_language()
    ordering = []
    for item in model._meta.ordering:
        name = item.lstrip("-") if isinstance(item, str) else None
        if language == REFERENCE_LANGUAGE or name is None or not is_translated(model, name):
            ordering.append(item)
            continue
        text = Coalesce(NullIf(F(column(name, language)), Value("")), F(name))
        ordering.append(text.desc() if item.startswith("-") else text.asc())
    return ordering
