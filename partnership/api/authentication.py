"""`Authorization: Token <token>`, as DRF's TokenAuthentication reads it, checked against the
hashes of the tokens issued (accounts.ApiToken); the tokens themselves are never stored."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.models import ApiToken


class HashedTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"
    model = ApiToken

    def authenticate_credentials(self, key):
        token = ApiToken.objects.for_key(key).select_related("user").first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
