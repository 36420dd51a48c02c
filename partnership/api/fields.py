"""Fields the API's serializers share: partial dates, links, translated texts, item lists."""

import re

from django.db import models
from django.urls import reverse as django_reverse
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from ..dates import PARTIAL_DATE_PATTERN, PartialDate, Precision
from ..models.i18n import (
    LANGUAGE_CODES,
    LANGUAGE_NAMES,
    REFERENCE_LANGUAGE,
    Localizable,
    active_language,
    column,
)


class Strict:
    """A field that takes the JSON type the schema gives and no other: a number is not turned
    into the text "0", nor "true" into a boolean (a client sending them has made a mistake
    worth hearing about)."""

    accepts: tuple[type, ...] = (str,)

    def to_internal_value(self, data):
        if not isinstance(data, self.accepts) or (
            isinstance(data, bool) and bool not in self.accepts
        ):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(Strict, serializers.CharField):
    pass


class StrictSlugField(Strict, serializers.SlugField):
    pass


class StrictURLField(Strict, serializers.URLField):
    pass


class StrictIntegerField(Strict, serializers.IntegerField):
    accepts = (int,)


class StrictBooleanField(Strict, serializers.BooleanField):
    accepts = (bool,)


class StrictList(serializers.ManyRelatedField):
    """Records named in a JSON list, never in an object or a string."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class SlugReference(Strict, serializers.SlugRelatedField):
    """Another record, named by its slug (or code): a string; null for none where the link is
    optional, never "" (which DRF would read as null)."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        # As DRF's RelatedField.many_init, with a list that must be a list.
        kept = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return StrictList(child_relation=cls(*args, **kwargs), **kept)

    def run_validation(self, data=serializers.empty):
        if data == "":
            self.fail("invalid")
        return super().run_validation(data)

    def to_internal_value(self, data):
        # No slug or code holds a NUL character, and PostgreSQL refuses one in a query.
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class TermReference(SlugReference):
    """A term of a vocabulary, named by its code, read from the record's own column: no query
    per row."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def use_pk_only_optimization(self):
        return False

    def get_attribute(self, instance):
        return getattr(instance, instance._meta.get_field(self.source).attname)

    def to_representation(self, value):
        return value


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer, with each value read as the type the schema gives."""

    serializer_field_mapping = serializers.ModelSerializer.serializer_field_mapping | {
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
        models.URLField: StrictURLField,
        models.BooleanField: StrictBooleanField,
        **dict.fromkeys(
            (
                models.IntegerField,
                models.SmallIntegerField,
                models.BigIntegerField,
                models.PositiveIntegerField,
                models.PositiveSmallIntegerField,
                models.PositiveBigIntegerField,
            ),
            StrictIntegerField,
        ),
    }


PARTIAL_DATE_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": (
        "A date known to the day, month, year or decade. `value` is YYYY-MM-DD, YYYY-MM, YYYY "
        "or YYY0s; when writing, give that string (or this object)."
    ),
    "properties": {
        "value": {"type": "string", "pattern": PARTIAL_DATE_PATTERN, "example": "2019-06-21"},
        "precision": {
            "type": "string",
            "enum": ["day", "month", "year", "decade"],
            "readOnly": True,
        },
        "start": {"type": "string", "format": "date", "readOnly": True},
        "end": {"type": "string", "format": "date", "readOnly": True},
        "display": {"type": "string", "readOnly": True, "example": "21 juin 2019"},
    },
    "required": ["value"],
}


def partial_date_data(partial: PartialDate) -> dict:
    """A partial date as the API shows it (see PARTIAL_DATE_SCHEMA)."""
    return {
        "value": partial.isoformat(),
        "precision": partial.precision_name,
        "start": partial.value.isoformat(),
        "end": partial.end.isoformat(),
        "display": partial.display(),
    }


class PartialDateField(serializers.Field):
    """The pair `<field>` / `<field>_precision` as one value."""

    def __init__(self, field_name, **kwargs):
        self.date_field = field_name
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(source="*", **kwargs)

    def to_representation(self, instance):
        value = getattr(instance, self.date_field)
        if value is None:
            return None
        return partial_date_data(
            PartialDate(value, getattr(instance, f"{self.date_field}_precision"))
        )

    def to_internal_value(self, data):
        if isinstance(data, dict):
            if "value" not in data:
                raise serializers.ValidationError(_("Give the date's value."))
            data = data["value"]
        if not isinstance(data, str):
            raise serializers.ValidationError(
                _("Give the date as a string (YYYY-MM-DD, YYYY-MM, YYYY or YYY0s).")
            )
        try:
            if not re.match(PARTIAL_DATE_PATTERN, data):  # exactly what the schema says
                raise ValueError(
                    _("%(text)r is not a partial date (YYYY-MM-DD, YYYY-MM, YYYY or YYY0s).")
                    % {"text": data}
                )
            partial = PartialDate.parse(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from error
        return {self.date_field: partial.value, f"{self.date_field}_precision": partial.precision}

    def validate_empty_values(self, data):
        # An absent date is left as it is (source="*" has no default), unless the record must
        # have one and is being written whole; null clears it where a record may have none.
        if data is serializers.empty:
            if self.required and not getattr(self.root, "partial", False):
                self.fail("required")
            raise serializers.SkipField()
        if data is None:
            if not self.allow_null:
                self.fail("null")
            return True, {self.date_field: None, f"{self.date_field}_precision": Precision.DAY}
        return False, data


class PlainHyperlink(serializers.HyperlinkedIdentityField):
    """A link to the record's JSON, without the ?format= of the current request (e.g. CSV)."""

    def get_url(self, obj, view_name, request, format):
        path = django_reverse(
            view_name, kwargs={self.lookup_url_kwarg: getattr(obj, self.lookup_field)}
        )
        return request.build_absolute_uri(path) if request else path


def absolute(context, path):
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


class LanguagesField(serializers.DictField):
    """For each translated text of the record (when not empty), the language it is given in."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.ChoiceField(choices=LANGUAGE_CODES), **kwargs)

    def get_attribute(self, instance):
        return instance

    def to_representation(self, instance):
        texts = {name: instance.localized(name) for name in self.parent.translated_names}
        return {name: text.language for name, text in texts.items() if text}


class TranslatedFieldsMixin:
    """Translated texts are read and written in the request's language (?lang= or
    Accept-Language; French by default). A missing translation reads as the French text, and
    `languages` says, per text, which language was given."""

    @property
    def translated_names(self) -> list[str]:
        model = self.Meta.model
        names = model.translated_fields() if issubclass(model, Localizable) else ()
        return [name for name in names if name in self.fields]

    def get_fields(self):
        fields = super().get_fields()
        model = self.Meta.model
        if issubclass(model, Localizable) and set(model.translated_fields()) & set(fields):
            fields["languages"] = LanguagesField(read_only=True)
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in self.translated_names:
            data[name] = str(instance.localized(name))
        return data

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        language = active_language()
        if language != REFERENCE_LANGUAGE:
            for name in self.translated_names:
                if name in values:
                    values[column(name, language)] = values.pop(name)
            if self.instance is None:
                self.refuse_without_reference_text(values, language)
        return values

    def refuse_without_reference_text(self, values, language):
        """A new record's required texts are written in the reference language first: a text
        in another language alone would leave the record without its French name."""
        model = self.Meta.model
        missing = [
            name
            for name in self.translated_names
            if column(name, language) in values and not model._meta.get_field(name).blank
        ]
        if missing:
            message = _(
                "A new record is written in French first (lang=fr), the reference language; "
                "add this text in %(language)s afterwards (lang=%(code)s)."
            ) % {"language": str(LANGUAGE_NAMES[language]), "code": language}
            raise serializers.ValidationError({name: [message] for name in missing})


# Claims ------------------------------------------------------------------------------------

REASON_COLUMNS = frozenset(column("reason", language) for language in LANGUAGE_CODES)


class ItemList(serializers.ListSerializer):
    """A list whose errors are keyed by the index of each item at fault
    (`{"claims": {"1": {"rank": ["..."]}}}`, the format DRF 3.20 adopts); `check()` adds the
    rules that span several items."""

    def to_internal_value(self, data):
        if not isinstance(data, list) or (not data and not self.allow_empty):
            return super().to_internal_value(data)  # DRF's own message
        items, errors = [], {}
        for index, item in enumerate(data):
            try:
                items.append(self.run_child_validation(item))
            except serializers.ValidationError as error:
                errors[index] = error.detail
        errors = errors or self.check(items)
        if errors:
            raise serializers.ValidationError(errors)
        return items

    def check(self, items) -> dict:
        return {}
