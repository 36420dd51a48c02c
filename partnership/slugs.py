"""Stable slugs (DESIGN.md): once a published record's slug changes, its old page and API
addresses answer 301 with the current one, the query string kept.

The former slugs are kept on save (only those readers could have seen: a draft's renames are
not). The redirect is generic: a 404 (or 410) answer to a GET on any route with a `slug`
whose view names its model (a detail page's `model`, an API viewset's serializer) looks the
slug up among that model's former slugs."""

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import pre_save
from django.http import HttpResponsePermanentRedirect
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from .models.base import Publishable, Status
from .models.slugs import SlugHistory


def has_slug(model) -> bool:
    return model._meta.app_label == "partnership" and any(
        field.name == "slug" for field in model._meta.fields
    )


def keep_former_slug(sender, instance, raw=False, **kwargs) -> None:
    if raw or sender is SlugHistory or not has_slug(sender):
        return
    content_type = ContentType.objects.get_for_model(sender, for_concrete_model=False)
    if instance.pk is not None:
        fields = ["slug", "status"] if issubclass(sender, Publishable) else ["slug"]
        stored = sender._base_manager.filter(pk=instance.pk).values(*fields).first()
        if stored is not None and stored["slug"] == instance.slug:
            return  # the usual save: the slug unchanged, one query
        if stored is not None and stored.get("status", Status.PUBLISHED) == Status.PUBLISHED:
            SlugHistory.objects.update_or_create(  # readers may have the address
                content_type=content_type,
                old_slug=stored["slug"],
                defaults={"object_id": instance.pk},
            )
    # A slug taken (again, or by another record) is no longer a former one.
    SlugHistory.objects.filter(content_type=content_type, old_slug=instance.slug).delete()


def connect() -> None:
    pre_save.connect(keep_former_slug, dispatch_uid="camo-former-slugs")


def route_model(match):
    view = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)
    model = getattr(view, "model", None)
    if model is None:
        serializer = getattr(view, "serializer_class", None)
        model = getattr(getattr(serializer, "Meta", None), "model", None)
    return model


def current_address(request) -> str | None:
    """The address the request's former slug moved to, if it is one a reader may follow."""
    try:
        match = request.resolver_match or resolve(request.path_info)
    except Resolver404:
        return None
    slug = match.kwargs.get("slug")
    model = route_model(match)
    if not slug or model is None or not has_slug(model):
        return None
    former = (
        SlugHistory.objects.filter(
            content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
            old_slug=slug,
        )
        .values_list("object_id", flat=True)
        .first()
    )
    if former is None:
        return None
    records = model._default_manager
    if hasattr(records, "visible_to"):
        records = records.visible_to(request.user)
    current = records.filter(pk=former).values_list("slug", flat=True).first()
    if current is None or current == slug:
        return None
    try:
        path = reverse(match.view_name, args=match.args, kwargs={**match.kwargs, "slug": current})
    except NoReverseMatch:
        return None
    query = request.META.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


class FormerSlugRedirectMiddleware:
    """301 from a former slug's address to the current one (pages and API)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (404, 410) and request.method in ("GET", "HEAD"):
            address = current_address(request)
            if address is not None:
                return HttpResponsePermanentRedirect(address)
        return response
