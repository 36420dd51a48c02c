import json

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ..claims import current_value, display_claim, display_text
from ..models import Certainty
from ..models.i18n import LANGUAGE_NAMES, REFERENCE_LANGUAGE, active_language

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def cite(context, record):
    """Superscript links to the numbered sources of `record` in the page's bibliography."""
    bibliography = context.get("bibliography")
    numbers = bibliography.refs(record) if bibliography is not None else []
    if not numbers:
        return ""
    links = format_html_join(", ", '<a href="#source-{0}">{0}</a>', ((n,) for n in numbers))
    return format_html('<sup class="cite">[{}]</sup>', links)


@register.simple_tag(takes_context=True)
def value(context, record, name, shown=None):
    """The value `name` of `record` where readers read it: with its certainty ("≈ 1 500",
    "1 000–1 200", "≥ 1"), the numbers of the sources that state this value, and, when sources
    disagree, the competing values with their own sources (shown on hover and focus).

    `shown` is the text to show for the value when the page formats it its own way."""
    bibliography = context.get("bibliography")
    entry = bibliography.value(record, name) if bibliography is not None else None
    model = type(record)

    def plain():
        return (
            shown if shown is not None else display_text(model, name, current_value(record, name))
        )

    if entry is None or (entry.preferred is None and not entry.competing):
        return format_html("{}", plain())
    # With competing values and none preferred yet, the record's value is shown, disputed.
    preferred = entry.preferred
    if preferred is None or (shown is not None and entry.certainty == Certainty.EXACT):
        text = plain()
    else:
        text = display_claim(model, preferred)
    parts = [format_html('<span class="value value-{}">{}</span>', entry.certainty, text)]
    if preferred is not None and (numbers := bibliography.claim_refs(record, preferred)):
        parts.append(footnotes(numbers))
    if entry.competing:
        others = format_html_join(
            "; ",
            "{} {}",
            (
                (display_claim(model, claim), footnotes(bibliography.claim_refs(record, claim)))
                for claim in entry.competing
            ),
        )
        parts.append(
            format_html(
                ' <span class="disputed" tabindex="0" role="note" aria-label="{label}">'
                '<span class="disputed-mark" aria-hidden="true">{mark}</span>'
                '<span class="disputed-claims">{intro} {others}</span></span>',
                label=_("Sources disagree on this value"),
                mark=_("disputed"),
                intro=_("Other sources state:"),
                others=others,
            )
        )
    return mark_safe("".join(str(part) for part in parts))


def footnotes(numbers):
    if not numbers:
        return ""
    links = format_html_join(", ", '<a href="#source-{0}">{0}</a>', ((n,) for n in numbers))
    return format_html(' <sup class="cite">[{}]</sup>', links)


@register.filter
def jsonld(data):
    """A JSON-LD block. It is data, not script, so the Content-Security-Policy allows it."""
    if not data:
        return ""
    text = json.dumps(data, ensure_ascii=False, default=str).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


@register.filter
def percent(part, whole):
    try:
        return round(100 * int(part or 0) / int(whole))
    except (TypeError, ValueError, ZeroDivisionError):
        return 0


@register.simple_tag(takes_context=True)
def language_versions(context):
    """This page in each language: [{code, name, url, current}] (same path, other prefix)."""
    from django.conf import settings
    from django.urls import translate_url
    from django.utils.translation import get_language, get_language_info

    request = context.get("request")
    if request is None:
        return []
    current = get_language()
    path = request.get_full_path()
    versions = []
    for code, _name in settings.LANGUAGES:
        versions.append(
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "url": translate_url(path, code),
                "page": translate_url(request.path, code),
                "current": code == current,
            }
        )
    return versions


@register.filter
def lang_attr(text):
    """` lang="fr"` for an element holding a French text shown in place of a translation."""
    if getattr(text, "fallback", False):
        return format_html(' lang="{}"', text.language)
    return ""


@register.filter
def tr(text):
    """A translated text, marked as such when the French text stands in for the translation."""
    if not getattr(text, "fallback", False):
        return text
    return format_html(
        '<span lang="{}">{}</span> <span class="untranslated" title="{}">'
        '<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span></span>',
        text.language,
        text,
        _("Not yet translated: shown in French, the reference language."),
        text.language.upper(),
        _("(not yet translated, shown in French)"),
    )


@register.inclusion_tag("includes/untranslated.html", takes_context=True)
def untranslated_notice(context, record):
    """A notice listing the texts of `record` shown in French for want of a translation."""
    language = active_language()
    missing = record.missing_translations(language) if language != REFERENCE_LANGUAGE else []
    labels = [record._meta.get_field(name).verbose_name for name in missing]
    return {"missing": labels, "language": LANGUAGE_NAMES[language]}
