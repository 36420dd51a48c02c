"""Change messages in the reader's language: what the history stores as a comment is a key and
its parameters (or Django's own untranslated JSON), put in words when someone reads it."""

from __future__ import annotations

import datetime
import functools
import json

from django.contrib.admin.models import LogEntry
from django.utils.text import capfirst
from django.utils.translation import gettext, override
from reversion import is_active, set_comment

from . import records
from .history import EMPTY, INTERNAL, date_text, field_label
from .models import Status


def _when(value) -> str:
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return date_text(moment)


def _status(value) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return str(value)


def _comment_text(key: str, params: dict) -> str | None:
    match key:
        case "loaded":
            return gettext("Loaded from the dataset files")
        case "imported":
            if params.get("file"):
                return gettext("Imported from %(file)s") % {"file": params["file"]}
            return gettext("Imported from a file")
        case "status":
            return gettext("Status: %(status)s") % {"status": _status(params.get("status"))}
        case "reverted":
            # django-reversion's own message, so its catalogues translate it too.
            return gettext("Reverted to previous version, saved on %(datetime)s") % {
                "datetime": _when(params.get("date"))
            }
        case "recovered":
            return gettext("Recovered the deleted record as saved on %(datetime)s") % {
                "datetime": _when(params.get("date"))
            }
        case "proposal_published":
            return gettext("Published the change proposed by %(author)s") % {
                "author": params.get("author") or EMPTY
            }
        case "proposal_sent_back":
            return gettext("Sent the proposed change back to its author")
        case "translations_confirmed":
            return gettext("Marked translations as up to date")
        case "created_api":
            return gettext("Created through the API")
        case "changed_api":
            return gettext("Changed through the API")
        case "deleted_api":
            return gettext("Deleted through the API")
        case "deleted":
            return gettext("Deleted")
    return None


def comment(key: str, **params) -> str:
    """A revision comment to store: a key and its parameters, put in words in the language of
    whoever reads it (describe_comment)."""
    params = {
        name: value if value is None or isinstance(value, bool | int | float) else str(value)
        for name, value in params.items()
    }
    if _comment_text(key, params) is None:
        raise ValueError(f"Unknown history comment {key!r}.")
    return json.dumps({"comment": key, "params": params}, ensure_ascii=False)


@functools.cache
def _field_labels() -> dict[str, object | None]:
    """Django stores the changed fields' form labels untranslated (English); map each back to
    its lazy label so it shows in the reader's language, internal fields to None."""
    labels: dict[str, object | None] = {}
    with override(None):
        for model in records.app_models():
            for field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
                if field.name in INTERNAL or not field.editable:
                    for hidden in (field.name, capfirst(field.verbose_name)):
                        labels[str(hidden)] = None
                    continue
                label = capfirst(field.verbose_name)
                labels.setdefault(str(label), label)
                french = field_label(model, field)
                labels.setdefault(str(french), french)
        for name in INTERNAL:
            labels[name] = labels[str(capfirst(name.replace("_", " ")))] = None
    return labels


def _change_message(text: str) -> str:
    """Django admin's JSON change message, in the reader's language, without internal fields."""
    try:
        messages = json.loads(text)
    except ValueError:
        return text
    if not isinstance(messages, list):
        return text
    labels = _field_labels()
    kept = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        changed = message.get("changed")
        if isinstance(changed, dict) and isinstance(changed.get("fields"), list):
            fields = [
                str(labels.get(name, name))
                for name in changed["fields"]
                if labels.get(name, name) is not None
            ]
            if not fields:
                continue
            message = {"changed": {**changed, "fields": fields}}
        kept.append(message)
    try:
        return LogEntry(change_message=json.dumps(kept)).get_change_message()
    except (KeyError, TypeError, AttributeError, IndexError):
        return text


def keep_untranslated(entry: LogEntry) -> LogEntry:
    """Make Django admin's change message (JSON, untranslated) the revision's comment, instead
    of the sentence in the saver's language django-reversion would store."""
    if is_active():
        set_comment(entry.change_message)
    return entry


def describe_comment(text: str) -> str:
    """A revision comment in the active language: ours (see comment), Django admin's change
    message, or an older plain comment (translated when it is an English interface string)."""
    text = (text or "").strip()
    if not text:
        return ""
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("comment"), str):
            params = data.get("params") if isinstance(data.get("params"), dict) else {}
            described = _comment_text(data["comment"], params)
            if described is not None:
                return described
    if text.startswith("["):
        return _change_message(text)
    return gettext(text)
