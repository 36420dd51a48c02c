"""Stable slugs: a published record's former slug redirects (301) to its current address, on
its page and in the API, for every record type with a slug (derived from the models)."""

import pytest
from django.apps import apps
from django.urls import resolve, reverse

from partnership.api.urls import router
from partnership.models import SlugHistory, Status, Tag
from partnership.models.base import Publishable
from partnership.slugs import has_slug
from tests import factories

pytestmark = pytest.mark.django_db

SLUG_MODELS = [
    model for model in apps.get_app_config("partnership").get_models() if has_slug(model)
]


def api_basename(model) -> str | None:
    for _prefix, viewset, basename in router.registry:
        serializer = getattr(viewset, "serializer_class", None)
        if serializer is not None and serializer.Meta.model is model:
            return basename
    return None


def page_route(record) -> str | None:
    url = getattr(record, "get_absolute_url", None)
    return resolve(url()).view_name if url else None


def renamed(model):
    record = factories.make(model)
    if issubclass(model, Publishable):
        assert record.status == Status.PUBLISHED
    if isinstance(record, Tag):
        factories.article().tags.add(record)  # readers see a tag in use only
    old = record.slug
    record.slug = f"{old}-renamed"
    record.save()
    return record, old


def test_every_record_type_with_a_slug_has_an_address_checked():
    assert SLUG_MODELS
    for model in SLUG_MODELS:
        assert model in factories.FACTORIES, f"{model.__name__}: no factory to test its slugs"


@pytest.mark.parametrize("model", SLUG_MODELS, ids=lambda model: model.__name__)
def test_a_former_slug_redirects_on_pages_and_in_the_api(client, model):
    record, old = renamed(model)
    checked = 0
    route = page_route(record)
    if route:
        new_page = reverse(route, kwargs={"slug": record.slug})
        response = client.get(reverse(route, kwargs={"slug": old}) + "?from=bookmark")
        assert response.status_code == 301, (route, response.status_code)
        assert response["Location"] == f"{new_page}?from=bookmark"
        assert client.get(response["Location"]).status_code == 200
        checked += 1
    basename = api_basename(model)
    if basename:
        new_api = reverse(f"api:{basename}-detail", kwargs={"slug": record.slug})
        response = client.get(reverse(f"api:{basename}-detail", kwargs={"slug": old}) + "?lang=en")
        assert response.status_code == 301, (basename, response.status_code)
        assert response["Location"] == f"{new_api}?lang=en"
        assert client.get(response["Location"]).status_code == 200
        checked += 1
    if not checked:
        pytest.skip(f"{model.__name__} has no public address")


@pytest.mark.parametrize(
    "model",
    [model for model in SLUG_MODELS if issubclass(model, Publishable)],
    ids=lambda model: model.__name__,
)
def test_a_drafts_renames_leave_no_former_slug(model):
    record = factories.make(model)
    type(record)._base_manager.filter(pk=record.pk).update(status=Status.DRAFT)
    record.refresh_from_db()
    record.slug = f"{record.slug}-renamed"
    record.save()
    assert not SlugHistory.objects.filter(object_id=record.pk).exists()


def test_a_slug_taken_again_is_no_longer_a_former_one(client):
    system = factories.system()
    old = system.slug
    system.slug = f"{old}-renamed"
    system.save()
    newcomer = factories.system(slug=old)
    assert client.get(reverse("partnership:system", kwargs={"slug": old})).status_code == 200
    assert newcomer.slug == old
    assert not SlugHistory.objects.filter(old_slug=old).exists()
