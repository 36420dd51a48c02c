"""Post an admin form as a browser would: every field as the page renders it, then the changes."""

from html.parser import HTMLParser

from django.urls import reverse


class _FormFields(HTMLParser):
    """The successful controls of each <form> of a page."""

    def __init__(self):
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self.data: list[tuple[str, str]] = []
        self.depth = 0  # inside a form
        self.done = False
        self.select: str | None = None
        self.option: dict | None = None
        self.options: list = []
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.depth == 0:
            self.depth = 1
            self.data = []
            self.forms.append(self.data)
            return
        if not self.depth:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.data.append((name, attrs.get("value", "")))
        elif tag == "select" and name and "disabled" not in attrs:
            self.select, self.options = name, []
            self.multiple = "multiple" in attrs
        elif tag == "option" and self.select:
            self.option = attrs
            self.options.append(attrs)
        elif tag == "textarea" and name and "disabled" not in attrs:
            self.textarea, self.text = name, ""

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "form" and self.depth:
            self.depth = 0
        elif tag == "select" and self.select:
            chosen = [o for o in self.options if "selected" in o]
            if not chosen and self.options and not self.multiple:
                chosen = self.options[:1]  # what a browser sends when none is selected
            for option in chosen:
                self.data.append((self.select, option.get("value", "")))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = self.text[1:] if self.text.startswith("\n") else self.text
            self.data.append((self.textarea, text))
            self.textarea = None


def page_form(html: str) -> dict:
    """{name: value or [values]} of the page's main form (the one with the most fields)."""
    parser = _FormFields()
    parser.feed(html)
    data: dict = {}
    for name, value in max(parser.forms, key=len, default=[]):
        if name in data:
            existing = data[name]
            data[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            data[name] = value
    return data


def change_url(record) -> str:
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])


def submit(client, url, changes=None, *, button="_save"):
    """GET `url`, then POST its main form back with `changes` applied."""
    page = client.get(url)
    assert page.status_code == 200, page
    data = page_form(page.content.decode()) | (changes or {})
    data.pop("csrfmiddlewaretoken", None)
    data[button] = "1"
    return client.post(url, {k: v for k, v in data.items() if v is not None})


def add_inline_row(data: dict, prefix: str, row: dict) -> dict:
    """`data` with one more row in the inline formset `prefix`."""
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data = dict(data)
    # The page's blank row (prefix __prefix__) holds each field's default, as a browser's
    # "Add another" copies it.
    template = f"{prefix}-__prefix__-"
    for name, value in list(data.items()):
        if name.startswith(template):
            data[f"{prefix}-{total}-{name.removeprefix(template)}"] = value
    for name, value in row.items():
        data[f"{prefix}-{total}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    return data


def form_errors(response) -> str:
    """The errors an admin form page shows, for an assertion's message."""
    context = getattr(response, "context", None)
    if not context or "adminform" not in context:
        return f"status {response.status_code}"
    problems = [str(context["adminform"].form.errors)]
    for inline in context.get("inline_admin_formsets", []):
        problems += [str(inline.formset.errors), str(inline.formset.non_form_errors())]
    return " ".join(p for p in problems if p and p != "[]")
