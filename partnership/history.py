"""Change history (django-reversion): what changed between two versions of a record."""

from django.core.exceptions import FieldDoesNotExist

HIDDEN = {"created_at", "updated_at"}


def field_changes(model, before: dict | None, after: dict) -> list[dict]:
    """[{field, before, after}] for each field whose stored value differs between two versions."""
    if before is None:
        return []
    changes = []
    for name, value in after.items():
        if name in HIDDEN or before.get(name) == value:
            continue
        try:
            label = model._meta.get_field(name).verbose_name
        except FieldDoesNotExist:
            label = name
        changes.append(
            {"field": str(label), "before": _show(before.get(name)), "after": _show(value)}
        )
    return changes


def _show(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return str(value)


def register_models() -> None:
    """Register every record type with django-reversion, following the child rows and citations
    that belong to it, so a revert or a recovered deletion brings them back too."""
    from django.apps import apps
    from reversion import is_registered, register

    from .models import Fact

    children = {
        "person": ("appointments",),
        "partnership": ("memberships",),
        "programme": ("participants",),
        "system": ("variants",),
        "order": ("deliveries",),
        "activity": ("participations",),
        "article": ("links",),
    }
    for model in apps.get_app_config("partnership").get_models():
        if is_registered(model):
            continue
        follow = children.get(model._meta.model_name, ())
        if issubclass(model, Fact):
            follow = (*follow, "citations")
        register(model, follow=follow)
