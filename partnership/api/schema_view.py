"""The OpenAPI schema, generated once per language, never by two requests at once.

drf-spectacular imports its extensions' targets lazily, the first time a schema is generated,
and that loading is not thread-safe: when several requests reached a freshly started worker
together, some got a 500 (`'NoneType' object has no attribute 'startswith'`). Here the first
request generates the schema under a lock while the others wait for it; every later request
is served the stored schema (it depends only on the code and the language: it is public, the
same for every user)."""

import threading

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    _lock = threading.Lock()
    _schemas: dict = {}

    @classmethod
    def forget(cls) -> None:
        """Drop the stored schemas, as a worker starting afresh has none (for tests)."""
        with cls._lock:
            cls._schemas.clear()

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language(), version, self.serve_public)
        with self._lock:
            if key not in self._schemas:
                generator = self.generator_class(
                    urlconf=self.urlconf, api_version=version, patterns=self.patterns
                )
                self._schemas[key] = generator.get_schema(request=request, public=self.serve_public)
        filename = self._get_filename(request, version)
        return Response(
            data=self._schemas[key],
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )
