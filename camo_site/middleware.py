"""Response headers Django does not set itself."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """Every answer says which browser features its pages may use: none of the powerful ones
    (settings.PERMISSIONS_POLICY), so an injected or framed script cannot ask for them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class ServerNameMiddleware:
    """Django's development server (runserver) names itself with its and Python's versions
    ("WSGIServer/0.2 CPython/3.13.5") unless the answer has a `Server` header: give it one
    without versions. Under gunicorn nothing is added (it sends "Server: gunicorn" itself, and
    a second header would be sent beside it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.META.get("SERVER_SOFTWARE", "").startswith("WSGIServer/"):
            response.headers.setdefault("Server", "WSGIServer")
        return response
