"""Every write of a record, whatever its route, is noted by the gate it runs in (database
signals: no admin form, import or API view can slip past them)."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from .. import records
from ..states import Key, label
from .gate import current_gate


def _tracked(model) -> bool:
    return model in records.app_models()


def _key(found) -> Key | None:
    return (label(found[0]), str(found[1])) if found else None


def _stored_root(instance) -> Key | None:
    """The root of `instance` as the database holds it (before a save moves it elsewhere)."""
    model = type(instance)
    if records.is_root(model) or instance.pk is None or instance._state.adding:
        return _key(records.root_key(instance))
    stored = model._base_manager.filter(pk=instance.pk).first()
    return _key(records.root_key(stored if stored is not None else instance))


def on_pre_save(sender, instance, raw=False, **kwargs):
    gate = current_gate()
    if gate is None or not _tracked(sender):
        return
    if instance._state.adding and instance.pk is not None:
        # Inserted with the key it had: a row brought back (revert, recovery), not a new one.
        gate.note_restored(instance)
    gate.note_before(_stored_root(instance))
    gate.note_before(_key(records.root_key(instance)))


def on_post_save(sender, instance, created=False, **kwargs):
    gate = current_gate()
    if gate is None or not _tracked(sender):
        return
    if created:
        gate.note_created(instance)
    gate.note_before(_key(records.root_key(instance)))


def on_delete(sender, instance, **kwargs):
    gate = current_gate()
    if gate is None or not _tracked(sender):
        return
    gate.note_before(_key(records.root_key(instance)))


def on_m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    gate = current_gate()
    if gate is None or not action.startswith("pre_"):
        return
    if not reverse:
        if _tracked(type(instance)):
            gate.note_before(_key(records.root_key(instance)))
        return
    if not _tracked(model):
        return
    if pk_set is None:  # clear() from the other side: every record linked now
        field_ = next(f for f in model._meta.many_to_many if f.remote_field.through is sender)
        related = getattr(instance, field_.remote_field.get_accessor_name())
        pk_set = related.values_list("pk", flat=True)
    for pk in pk_set:
        gate.note_before((label(model), str(pk)))


def connect() -> None:
    pre_save.connect(on_pre_save, dispatch_uid="review.pre_save")
    post_save.connect(on_post_save, dispatch_uid="review.post_save")
    pre_delete.connect(on_delete, dispatch_uid="review.pre_delete")
    post_delete.connect(on_delete, dispatch_uid="review.post_delete")
    m2m_changed.connect(on_m2m_changed, dispatch_uid="review.m2m_changed")
