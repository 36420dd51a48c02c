"""Import and export on the admin's lists (CSV, XLSX), with a preview and all-or-nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from import_export.admin import ImportExportMixin

from ..resources import FORMATS


class ImportExportAdminMixin(ImportExportMixin):
    """Import and export (CSV, XLSX) on an admin changelist.

    Importing needs the add and change permissions, exporting the view permission. The export
    follows the changelist's filters and search. If rows fail when the import is confirmed (the
    data changed since the preview), nothing is saved and the errors are shown.
    """

    formats = FORMATS

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_or_change_permission(request)

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        result = (getattr(response, "context_data", None) or {}).get("result")
        count = len(getattr(result, "for_review", ()))
        if count and not (result.has_errors() or result.has_validation_errors()):
            messages.warning(
                request,
                ngettext(
                    "This file changes %(count)d record readers see: once confirmed, the change "
                    "is kept as a proposal for an Editor to review, and readers keep the "
                    "published version until then.",
                    "This file changes %(count)d records readers see: once confirmed, the "
                    "changes are kept as proposals for an Editor to review, and readers keep "
                    "the published versions until then.",
                    count,
                )
                % {"count": count},
            )
        return response

    def process_result(self, result, request):
        if not (result.has_errors() or result.has_validation_errors()):
            proposals = getattr(result, "proposals", [])
            if proposals:
                messages.warning(
                    request,
                    format_html(
                        "{} {}",
                        ngettext(
                            "%(count)d record readers see is changed by this file: the change "
                            "awaits review by an Editor, and readers keep the published version "
                            "until then.",
                            "%(count)d records readers see are changed by this file: the "
                            "changes await review by an Editor, and readers keep the published "
                            "versions until then.",
                            len(proposals),
                        )
                        % {"count": len(proposals)},
                        format_html_join(
                            ", ",
                            '<a href="{}">{}</a>',
                            ((p.get_absolute_url(), p.object_repr) for p in proposals),
                        ),
                    ),
                )
            return super().process_result(result, request)
        messages.error(request, gettext("Nothing was imported."))
        problems = [
            (number, "; ".join(str(error.error) for error in errors))
            for number, errors in result.row_errors()
        ]
        for row in result.invalid_rows:
            parts = []
            for column, errors in row.error_dict.items():
                text = " ".join(str(error) for error in errors)
                parts.append(text if column == NON_FIELD_ERRORS else f"{column}: {text}")
            problems.append((row.number, "; ".join(parts)))
        for number, problem in sorted(problems):
            messages.error(
                request, gettext("Row %(row)s: %(problem)s") % {"row": number, "problem": problem}
            )
        for error in result.base_errors:
            messages.error(request, str(error.error))
        return HttpResponseRedirect(
            reverse(
                "admin:{}_{}_import".format(*self.get_model_info()),
                current_app=self.admin_site.name,
            )
        )
