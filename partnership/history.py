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
