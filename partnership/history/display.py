"""Values as readers see them, and changes as marked-up diffs."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from diff_match_patch import diff_match_patch
from django.db import models
from django.utils import formats, timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from ..dates import PartialDate, Precision
from .fields import EMPTY, LONG_TEXT, _Item, _key, _present
from .names import _Names

# Display ---------------------------------------------------------------------------------------


def _json_text(value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_json_text(item)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_json_text(item) for item in value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, int | float):
        return formats.localize(value)
    return str(value)


def date_text(value: datetime.date) -> str:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "DATETIME_FORMAT")
    return PartialDate(value, Precision.DAY).display()


def _display(item: _Item, fields: dict | None, names: _Names) -> str:
    if fields is None or not _present(item, fields):
        return EMPTY
    if item.kind == "generic":
        return names.generic(item, fields)
    value = _key(item, fields)
    if value is None:
        return EMPTY
    if item.kind == "partial_date":
        return value.display() if isinstance(value, PartialDate) else date_text(value)
    if item.kind == "fk":
        return names.name(item.field.related_model, value)
    if item.kind == "m2m":
        return ", ".join(_m2m_names(item, value, names)) or EMPTY
    field = item.field
    if field.flatchoices:
        choices = dict(field.flatchoices)
        if value in choices:
            return str(choices[value])
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.date):
        return date_text(value)
    if isinstance(field, models.JSONField):
        return _json_text(value) or EMPTY
    if isinstance(value, int | float | Decimal):
        return formats.localize(value)
    return str(value)


def _m2m_names(item: _Item, pks, names: _Names) -> list[str]:
    model = item.field.related_model
    return sorted((names.name(model, pk) for pk in pks), key=str.casefold)


# Diff HTML -------------------------------------------------------------------------------------

_TOKENS = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


def _encode(tokens: list[str], index: dict[str, str], vocabulary: list[str]) -> str:
    chars = []
    for token in tokens:
        if token not in index:
            number = len(vocabulary)
            # Skip the surrogate range, which is no character.
            index[token] = chr(number if number < 0xD800 else number + 0x800)
            vocabulary.append(token)
        chars.append(index[token])
    return "".join(chars)


def word_diff(before: str, after: str) -> SafeString:
    """The two texts as one, removed words in <del>, added words in <ins>, all escaped.

    diff-match-patch compares the texts word by word (each word, space run or punctuation mark
    stands for one character), then merges small unchanged islands (semantic cleanup), so whole
    words are marked and a rewritten sentence reads as one change.
    """
    index: dict[str, str] = {}
    vocabulary: list[str] = []
    left = _encode(_TOKENS.findall(before), index, vocabulary)
    right = _encode(_TOKENS.findall(after), index, vocabulary)
    decode = {char: token for token, char in index.items()}
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 2
    diffs = dmp.diff_main(left, right, False)
    dmp.diff_cleanupSemantic(diffs)
    parts = []
    for operation, chars in diffs:
        text = escape("".join(decode[char] for char in chars))
        if operation == dmp.DIFF_DELETE:
            parts.append(f"<del>{text}</del>")
        elif operation == dmp.DIFF_INSERT:
            parts.append(f"<ins>{text}</ins>")
        else:
            parts.append(text)
    return format_html('<span class="text-diff">{}</span>', mark_safe("".join(parts)))


def _side(text: str, tag: str) -> SafeString:
    if text == EMPTY:
        return format_html('<span class="empty">{}</span>', EMPTY)
    return format_html("<{}>{}</{}>", mark_safe(tag), text, mark_safe(tag))


def _html(item: _Item, before, after, old: str, new: str, names: _Names) -> SafeString:
    if before is None:
        return _side(new, "ins")
    if after is None:
        return _side(old, "del")
    if item.kind == "m2m":
        old_pks, new_pks = _key(item, before) or frozenset(), _key(item, after) or frozenset()
        model = item.field.related_model
        entries = sorted(
            [(names.name(model, pk), "del") for pk in old_pks - new_pks]
            + [(names.name(model, pk), "ins") for pk in new_pks - old_pks]
            + [(names.name(model, pk), "") for pk in old_pks & new_pks],
            key=lambda entry: entry[0].casefold(),
        )
        return mark_safe(
            ", ".join(_side(name, tag) if tag else escape(name) for name, tag in entries)
            or escape(EMPTY)
        )
    long = max(len(old), len(new)) > LONG_TEXT or "\n" in old or "\n" in new
    if long and EMPTY not in (old, new):
        return word_diff(old, new)
    return format_html("{} → {}", _side(old, "del"), _side(new, "ins"))
