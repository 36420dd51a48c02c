"""Hidden records linked from published ones through every relation the schema has.

`link_hidden_records()` makes a hidden copy of one record of every type readers can be kept from
(drafts, records in review, withdrawn ones and ones scheduled for later, in turn), its names marked
with `MARK`, and points a published record at it through every foreign key, many-to-many and
generic link that can reach it. Nothing here lists models or fields: they come from the schema, so
a relation added tomorrow is linked here too.
"""

from __future__ import annotations

import datetime
import itertools

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from partnership.models import ArticleLink, Citation, Tag
from partnership.models.base import Fact, Publishable, Status
from partnership.visibility import gated
from tests.factories import examples_the_dataset_lacks

MARK = "zzhiddenzz"
HIDDEN_COUNTRY_CODE = "XQ"
LATER = timezone.make_aware(datetime.datetime(2999, 1, 1))


def hiding_states():
    """Draft, in review, withdrawn, scheduled for later: each hidden record gets the next."""
    return itertools.cycle(
        [
            {"status": Status.DRAFT},
            {"status": Status.REVIEW},
            {"status": Status.WITHDRAWN, "withdrawn_reason": "Test"},
            {"status": Status.PUBLISHED, "publish_at": LATER},
        ]
    )


def app_models():
    return list(apps.get_app_config("partnership").get_models())


def links_to_gated(model):
    """Every forward relation of `model` to a model whose rows can be hidden."""
    return [
        field
        for field in model._meta.get_fields()
        if field.is_relation
        and (field.many_to_one or field.one_to_one or field.many_to_many)
        and not field.auto_created
        and field.related_model is not None
        and field.related_model._meta.app_label == "partnership"
        and gated(field.related_model)
    ]


def mark_texts(record, label):
    """Put MARK into every name-like text of `record` (all languages), keeping lengths valid."""
    for field in record._meta.concrete_fields:
        value = getattr(record, field.attname)
        if field.choices or not value:
            continue
        if isinstance(field, models.SlugField):
            setattr(record, field.attname, f"{MARK}-{label}"[: field.max_length])
        elif isinstance(field, models.URLField):
            setattr(record, field.attname, f"https://example.org/{MARK}/{label}")
        elif isinstance(field, (models.CharField, models.TextField)) and not field.unique:
            setattr(record, field.attname, f"{MARK} {label}"[: field.max_length or 200])
        elif isinstance(field, models.CharField) and field.name == "code":
            setattr(record, field.attname, HIDDEN_COUNTRY_CODE)


def copy_of(record, label, **changes):
    """A saved copy of `record` with its texts marked and `changes` applied."""
    copy = type(record).objects.get(pk=record.pk)
    copy.pk = None
    copy.id = None
    mark_texts(copy, label)
    for name, value in changes.items():
        setattr(copy, name, value)
    copy.save()
    return copy


def visible_example(model, **filters):
    rows = model.objects.published() if hasattr(model.objects, "published") else model.objects
    return rows.filter(**filters).order_by("pk").first()


def make_hidden_records():
    """{model: hidden record}, and links to them that readers must not notice at all: a hidden
    copy of every record type, child rows under hidden parents, rows whose required link is
    hidden, hidden records added to many-to-many links and generic links of published records,
    and a tag used only by a hidden article. Returns (hidden, links still to make)."""
    states = hiding_states()
    hidden = {}
    for model in app_models():
        if issubclass(model, Publishable):
            example = visible_example(model)
            hidden[model] = copy_of(example, model._meta.model_name, **next(states))
    # Child rows that can be hidden only through their parent (places, variants, deliveries):
    # a copy under the hidden parent.
    for model in app_models():
        if model in hidden or not gated(model):
            continue
        required = [f for f in links_to_gated(model) if not f.null and not f.many_to_many]
        example = visible_example(model)
        if example is None or not required:
            continue
        parent = required[0]
        hidden[model] = copy_of(
            example, model._meta.model_name, **{parent.name: hidden[parent.related_model]}
        )

    later = []  # (model, field, target): nullable links of published rows, made by link_...()
    for model in app_models():
        for field in links_to_gated(model):
            target = hidden.get(field.related_model)
            if not field.many_to_many and getattr(hidden.get(model), field.attname, None) == (
                target and target.pk
            ):
                continue  # the hidden child row already links it
            if target is None or visible_example(model) is None:
                raise AssertionError(f"cannot link {model.__name__}.{field.name}")
            if field.many_to_many:
                getattr(visible_example(model), field.name).add(target)
            elif field.null:
                later.append((model, field, target))
            else:
                example = visible_example(model)
                copy_of(example, f"{model._meta.model_name}-{field.name}", **{field.name: target})
    # Generic links: an article about each hidden record.
    article = visible_example(apps.get_model("partnership", "Article"))
    for model, target in hidden.items():
        if hasattr(target, "get_absolute_url") and issubclass(model, Publishable):
            ArticleLink.objects.create(
                article=article,
                content_type=ContentType.objects.get_for_model(model),
                object_id=target.pk,
            )
    # Hidden records cite visible sources (counted nowhere), and the hidden article shares the
    # links and tags of a visible one (related content must not offer it).
    source = visible_example(apps.get_model("partnership", "Source"))
    for model, target in hidden.items():
        if issubclass(model, Publishable) and issubclass(model, Fact):
            Citation.objects.create(content_object=target, source=source)
    hidden_article = hidden[apps.get_model("partnership", "Article")]
    for link in ArticleLink.objects.filter(article=article):
        ArticleLink.objects.get_or_create(
            article=hidden_article,
            content_type=link.content_type,
            object_id=link.object_id,
            defaults={"kind": link.kind},
        )
    hidden_article.tags.add(*article.tags.all())
    # A tag used only by hidden articles.
    tag = Tag.objects.create(slug=f"{MARK}-tag", name=f"{MARK} tag")
    hidden[Tag] = tag
    hidden[apps.get_model("partnership", "Article")].tags.add(tag)
    assert Citation.objects.filter(source=hidden[apps.get_model("partnership", "Source")]).exists()
    return hidden, later


def link_hidden_records():
    """{model: hidden record} after linking each from a published record through every
    relation, nullable foreign keys included (which readers then see empty)."""
    examples_the_dataset_lacks()
    hidden, later = make_hidden_records()
    # A row already linked through the field satisfies the model's constraints on it. Chosen
    # before any link is made: a link to a hidden record may hide the row itself (a membership
    # of a hidden member), and the rows that depend on it (the shares of a hidden order).
    examples = [
        (
            model,
            field,
            target,
            visible_example(model, **{f"{field.name}__isnull": False}) or visible_example(model),
        )
        for model, field, target in later
    ]
    for model, field, target, example in examples:
        model.objects.filter(pk=example.pk).update(**{field.name: target})
    return hidden
